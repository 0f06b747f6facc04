#include "training/config/run_environment.h"

#include <charconv>
#include <cstdlib>

#include "base/error.h"

namespace glossa {
namespace {

constexpr const char* kWhere = "run environment";

// The whole of `text` as a decimal integer in [min, max], else Error naming the variable.
int parse_int(const std::string& name, const std::string& text, int min, int max) {
  int value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end)
    fail(kWhere, name + "='" + text + "' is not an integer");
  if (value < min || value > max) {
    fail(kWhere, name + "=" + text + " is outside [" + std::to_string(min) + ", " +
                     std::to_string(max) + "]");
  }
  return value;
}

// The leading integer of `text` ("4(x2),3" -> 4, SLURM's tasks-per-node syntax).
int leading_int(const std::string& name, const std::string& text) {
  const size_t digits = text.find_first_not_of("0123456789");
  return parse_int(name, text.substr(0, digits == std::string::npos ? text.size() : digits), 1,
                   1 << 20);
}

class Vars {
 public:
  explicit Vars(const EnvLookup& getenv) : getenv_(getenv) {}
  std::optional<std::string> get(const std::string& name) const {
    auto v = getenv_(name);
    if (v && v->empty()) return std::nullopt;  // VAR= counts as unset
    return v;
  }
  bool has(const std::string& name) const { return get(name).has_value(); }
  int integer(const std::string& name, int fallback, int min, int max) const {
    const auto v = get(name);
    return v ? parse_int(name, *v, min, max) : fallback;
  }

 private:
  const EnvLookup& getenv_;
};

constexpr int kMaxProcesses = 1 << 20;

void from_torchrun(const Vars& v, RunEnvironment* e) {
  for (const char* name : {"RANK", "WORLD_SIZE"}) {
    if (!v.has(name))
      fail(kWhere, std::string(name) + " is not set while " +
                       (std::string(name) == "RANK" ? "WORLD_SIZE" : "RANK") +
                       " is: start with torchrun, or set both (or neither for one process)");
  }
  e->launcher = "torchrun";
  e->world_size = v.integer("WORLD_SIZE", 1, 1, kMaxProcesses);
  e->rank = v.integer("RANK", 0, 0, kMaxProcesses);
  e->local_rank = v.integer("LOCAL_RANK", e->rank, 0, kMaxProcesses);
  e->local_world_size = v.integer("LOCAL_WORLD_SIZE", e->world_size, 1, kMaxProcesses);
}

void from_slurm(const Vars& v, RunEnvironment* e) {
  e->launcher = "slurm";
  e->world_size = v.integer("SLURM_NTASKS", 1, 1, kMaxProcesses);
  e->rank = v.integer("SLURM_PROCID", 0, 0, kMaxProcesses);
  e->local_rank = v.integer("SLURM_LOCALID", 0, 0, kMaxProcesses);
  // Tasks on this node: SLURM_NTASKS_PER_NODE when given to sbatch/srun, else the first entry
  // of SLURM_TASKS_PER_NODE ("4(x2)" = 4 on each of 2 nodes), else all tasks on one node.
  if (const auto n = v.get("SLURM_NTASKS_PER_NODE"))
    e->local_world_size = leading_int("SLURM_NTASKS_PER_NODE", *n);
  else if (const auto t = v.get("SLURM_TASKS_PER_NODE"))
    e->local_world_size = leading_int("SLURM_TASKS_PER_NODE", *t);
  else
    e->local_world_size = e->world_size;
  auto nodes = v.get("SLURM_NODELIST");
  if (!nodes) nodes = v.get("SLURM_JOB_NODELIST");
  if (nodes) e->master_addr = first_slurm_host(*nodes);
}

void check(const RunEnvironment& e) {
  const bool torchrun = e.launcher == "torchrun";
  const std::string rank = torchrun ? "RANK" : "SLURM_PROCID";
  const std::string world = torchrun ? "WORLD_SIZE" : "SLURM_NTASKS";
  const std::string local = torchrun ? "LOCAL_RANK" : "SLURM_LOCALID";
  const std::string local_world = torchrun ? "LOCAL_WORLD_SIZE" : "tasks per node";
  if (e.rank >= e.world_size)
    fail(kWhere, rank + "=" + std::to_string(e.rank) + " must be < " + world + "=" +
                     std::to_string(e.world_size));
  if (e.local_world_size > e.world_size)
    fail(kWhere, local_world + "=" + std::to_string(e.local_world_size) + " exceeds " + world +
                     "=" + std::to_string(e.world_size));
  if (e.local_rank >= e.local_world_size)
    fail(kWhere, local + "=" + std::to_string(e.local_rank) + " must be < " + local_world + "=" +
                     std::to_string(e.local_world_size));
}

}  // namespace

nlohmann::json RunEnvironment::to_json() const {
  return {{"launcher", launcher},
          {"rank", rank},
          {"local_rank", local_rank},
          {"world_size", world_size},
          {"local_world_size", local_world_size},
          {"master_addr", master_addr},
          {"master_port", master_port}};
}

RunEnvironment parse_run_environment(const EnvLookup& getenv) {
  const Vars v(getenv);
  RunEnvironment e;
  if (v.has("RANK") || v.has("WORLD_SIZE"))
    from_torchrun(v, &e);
  else if (v.has("SLURM_PROCID"))
    from_slurm(v, &e);
  if (const auto addr = v.get("MASTER_ADDR")) e.master_addr = *addr;
  e.master_port = v.integer("MASTER_PORT", 29500, 1, 65535);
  check(e);
  return e;
}

RunEnvironment run_environment_from_process() {
  return parse_run_environment([](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
  });
}

std::string first_slurm_host(const std::string& nodelist) {
  const std::string where = "SLURM_NODELIST '" + nodelist + "'";
  std::string host;
  for (size_t i = 0; i < nodelist.size(); ++i) {
    const char c = nodelist[i];
    if (c == ',') break;  // end of the first (top-level) entry
    if (c == ']') fail(kWhere, where + " has ']' without '['");
    if (c != '[') {
      host += c;
      continue;
    }
    const size_t close = nodelist.find(']', i);
    if (close == std::string::npos) fail(kWhere, where + " has '[' without ']'");
    const std::string range = nodelist.substr(i + 1, close - i - 1);  // "01-04,07"
    const std::string first = range.substr(0, range.find_first_of(",-"));
    if (first.empty() || first.find_first_not_of("0123456789") != std::string::npos)
      fail(kWhere, where + " has a malformed range [" + range + "]");
    host += first;  // keeps the zero padding: gpu[01-04] -> gpu01
    i = close;
  }
  if (host.empty()) fail(kWhere, where + ": no host name");
  return host;
}

}  // namespace glossa
