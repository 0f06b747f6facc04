// The request side of the RunSupervisor: run.start, control, resume, attach, list, get and
// metrics.query. The watcher side (polling, notifications, ends of trainers) is run_watch.cpp.
#include "backend/run_supervisor.h"

#include <sys/stat.h>

#include <filesystem>
#include <iostream>

#include "backend/run_launcher.h"
#include "backend/run_log.h"
#include "backend/run_plan_report.h"
#include "backend/run_start_plan.h"
#include "backend/run_watched.h"
#include "base/error.h"
#include "base/file_util.h"
#include "protocol/rpc_message.h"
#include "training/metrics/metrics_store.h"
#include "training/metrics/train_control.h"

namespace glossa::backend {
namespace {

using nlohmann::json;
using protocol::RpcException;

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

int64_t id_param(const json& params) {
  if (!params.is_object() || !params.contains("id") || !params.at("id").is_number_integer())
    throw RpcException(protocol::kInvalidParams, "'id' must be a run id (integer)",
                       {{"field", "id"}, {"expected", "integer"}});
  return params.at("id").get<int64_t>();
}

[[noreturn]] void invalid_state(const RunRow& row, const std::string& why) {
  throw RpcException(protocol::kInvalidState,
                     "run " + std::to_string(row.id) + " (" + row.run_dir + "): " + why,
                     {{"state", row.state}});
}

// Which GPUs a cuda run's ranks see. run.start without gpus stores the identity list [0, n): the
// ranks keep the backend's own CUDA_VISIBLE_DEVICES (a SLURM allocation, a user's choice) and take
// cuda:LOCAL_RANK of it. Any other list is exported as CUDA_VISIBLE_DEVICES (run_launcher.h says
// why every rank sees the whole list). An explicit [0, 1] is thus the same as none; the rule needs
// no flag in the store, so a resumed run sees the same GPUs as its first attempt.
bool identity_gpus(const std::vector<int64_t>& gpus) {
  for (size_t i = 0; i < gpus.size(); ++i)
    if (gpus[i] != int64_t(i)) return false;
  return true;
}

// A device hint for an attached run: the config the trainer recorded in metrics.sqlite.
std::string recorded_device(const std::string& run_dir) {
  try {
    const std::string path = run_dir + "/metrics.sqlite";
    if (!exists(path)) return "cpu";
    const auto run = MetricsReader(path).run();
    const auto it = run.find("config");
    if (it == run.end()) return "cpu";
    const json config = json::parse(it->second, nullptr, false);
    return config.is_object() && config.value("device", "").rfind("cuda", 0) == 0 ? "cuda" : "cpu";
  } catch (const std::exception&) {
    return "cpu";
  }
}

}  // namespace

RunSupervisor::RunSupervisor(BackendStore& store, RunSupervisorOptions options, EventSink sink)
    : store_(store), options_(std::move(options)), sink_(std::move(sink)) {
  for (const RunRow& row : store_.runs()) {
    auto w = std::make_shared<Watched>(row);
    std::lock_guard lock(w->mutex);
    if (is_terminal_state(row.state) && row.pids.empty()) {
      w->done = true;
      try {
        w->status = read_status(row.run_dir).value_or(json());
      } catch (const std::exception&) {
      }
    } else {
      // Clients get the history through metrics.query and run.get; the stream goes on from now.
      // One poll at once: trainers that died while no backend watched are marked failed now.
      try {
        w->follower.start_at_end();
      } catch (const std::exception& e) {
        std::cerr << "glossa-backend: run " << row.id << ": " << e.what() << std::endl;
      }
      poll(*w);
    }
    watched_[row.id] = w;
  }
  watcher_ = std::thread([this] { watch_loop(); });
}

RunSupervisor::~RunSupervisor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  watcher_.join();
}

RunSupervisor::WatchedPtr RunSupervisor::find(int64_t id) const {
  std::lock_guard lock(mutex_);
  const auto it = watched_.find(id);
  if (it == watched_.end())
    throw RpcException(protocol::kNotFound, "no run " + std::to_string(id), {{"id", id}});
  return it->second;
}

RunSupervisor::WatchedPtr RunSupervisor::find_dir(const std::string& run_dir) const {
  for (auto it = watched_.rbegin(); it != watched_.rend(); ++it)
    if (it->second->row.run_dir == run_dir) return it->second;  // run_dir never changes
  return nullptr;
}

json RunSupervisor::info(const Watched& w) const {
  json out = w.row.to_json();
  out["status"] = w.status;
  const json checkpoint = w.status.is_object() ? w.status.value("last_checkpoint", json()) : json();
  out["last_checkpoint"] =
      checkpoint.is_string() && !checkpoint.get<std::string>().empty() ? checkpoint : json();
  return out;
}

std::vector<int64_t> RunSupervisor::spawn(const RunRow& row, bool resume) {
  LaunchSpec spec;
  spec.program = options_.train_program;
  spec.config_path = row.config_path;
  spec.run_dir = row.run_dir;
  spec.world_size = row.world_size;
  if (row.device == "cuda" && !identity_gpus(row.gpus)) spec.visible_gpus = row.gpus;
  spec.resume = resume;
  try {
    std::filesystem::create_directories(row.run_dir + "/logs");
    return launch_ranks(spec);
  } catch (const std::exception& e) {
    throw RpcException(protocol::kInternalError, e.what(), {{"run_dir", row.run_dir}});
  }
}

json RunSupervisor::start(const json& params) {
  const RunStartPlan plan = plan_run_start(params);
  std::lock_guard lock(mutex_);
  if (WatchedPtr other = find_dir(plan.run_dir)) {
    std::lock_guard other_lock(other->mutex);
    if (!is_terminal_state(other->row.state))
      invalid_state(other->row, "the run directory is in use by a run that is " + other->row.state +
                                    " (stop it first, or choose another)");
  }
  try {
    std::filesystem::create_directories(plan.run_dir + "/logs");
    if (!plan.write_config.is_null())
      write_file_atomically(plan.config_path, plan.write_config.dump(2) + "\n");
  } catch (const std::exception& e) {
    throw RpcException(protocol::kRunConfig, e.what(), {{"field", "run_dir"}});
  }
  RunRow row;
  row.run_dir = plan.run_dir;
  row.config_path = plan.config_path;
  row.owned = true;
  row.state = "starting";
  row.world_size = plan.world_size;
  row.device = plan.device;
  row.gpus = plan.gpus;
  row.created = unix_time_now();
  auto w = std::make_shared<Watched>(row);
  std::lock_guard w_lock(w->mutex);
  w->follower.start_new_attempt(row.created, 0);  // a fresh run writes from step 1
  w->row.pids = spawn(w->row, false);
  w->row.id = store_.insert_run(w->row);
  watched_[w->row.id] = w;
  publish_state(*w);
  return {{"run", info(*w)}};
}

json RunSupervisor::plan(const json& params) {
  const RunStartPlan plan = plan_run_start(params);
  json report = run_plan_report(plan);
  std::lock_guard lock(mutex_);
  const WatchedPtr other = find_dir(plan.run_dir);
  bool in_use = false;
  if (other) {
    std::lock_guard other_lock(other->mutex);
    in_use = !is_terminal_state(other->row.state);
  }
  report["run_dir_in_use"] = in_use;
  return report;
}

json RunSupervisor::control(const json& params, const std::string& command) {
  if (!is_control_command(command))
    throw RpcException(protocol::kInvalidParams, "unknown run command '" + command + "'",
                       {{"field", "command"}, {"expected", "pause, resume, checkpoint or stop"}});
  const WatchedPtr w = find(id_param(params));
  std::lock_guard lock(w->mutex);
  const RunRow& row = w->row;
  if (!row.owned)
    invalid_state(row,
                  "attached read-only: control it where it was launched (glossa-train "
                  "control RUN_DIR " +
                      command + ")");
  if (is_terminal_state(row.state))
    invalid_state(row, "it has " + row.state + " (resume it with run.resume_from_checkpoint)");
  // A command written before rank 0 follows control.json would never be applied (commands
  // already there when a run starts are not replayed): refuse until the run runs.
  if (row.state == "starting")
    invalid_state(row, "it is starting and not yet listening to commands: retry once it runs");
  try {
    send_control(row.run_dir, command);
  } catch (const Error& e) {
    invalid_state(row, e.what());
  }
  return {{"run", info(*w)}};
}

json RunSupervisor::resume_from_checkpoint(const json& params) {
  const WatchedPtr w = find(id_param(params));
  std::lock_guard lock(mutex_);  // with start(): one launch at a time
  std::lock_guard w_lock(w->mutex);
  RunRow& row = w->row;
  if (!row.owned) invalid_state(row, "attached read-only: resume it where it was launched");
  if (row.state != "failed" && row.state != "stopped")
    invalid_state(row, "only a failed or stopped run can be resumed; it is " + row.state);
  if (trainers_alive(*w))  // "stopped" is read from status.json before the processes exit
    throw RpcException(protocol::kInvalidState,
                       "run " + std::to_string(row.id) + " (" + row.run_dir +
                           "): its trainers are still ending: retry in a moment",
                       {{"state", row.state}, {"retry_after_ms", 500}});
  if (WatchedPtr newer = find_dir(row.run_dir); newer && newer != w)
    invalid_state(row, "run " + std::to_string(newer->row.id) +
                           " was started in this directory since: resume that one");
  const double since = unix_time_now();
  w->follower.start_new_attempt(since, oldest_checkpoint_step(row.run_dir));
  row.pids = spawn(row, true);
  row.state = "starting";
  row.error = nullptr;
  row.finished = 0;
  w->ended.clear();
  w->rank0_end.clear();
  w->done = false;
  ++w->generation;  // the resumed attempt writes steps again: cached columns are stale
  store_.update_run(row);
  publish_state(*w);
  return {{"run", info(*w)}};
}

json RunSupervisor::attach(const json& params) {
  if (!params.is_object() || !params.contains("run_dir") || !params.at("run_dir").is_string() ||
      std::filesystem::path(params.at("run_dir").get<std::string>()).is_relative())
    throw RpcException(protocol::kInvalidParams, "run.attach: run_dir must be an absolute path",
                       {{"field", "run_dir"}, {"expected", "an absolute path"}});
  const std::string run_dir = normalized_dir(params.at("run_dir").get<std::string>());
  if (!exists(run_dir + "/status.json") && !exists(run_dir + "/metrics.sqlite"))
    throw RpcException(protocol::kNotFound,
                       run_dir +
                           ": neither status.json nor metrics.sqlite: not a run directory "
                           "(or its run has not started)",
                       {{"run_dir", run_dir}});
  std::lock_guard lock(mutex_);
  if (WatchedPtr known = find_dir(run_dir)) {
    std::lock_guard w_lock(known->mutex);
    return {{"run", info(*known)}};
  }
  RunRow row;
  row.run_dir = run_dir;
  row.owned = false;
  row.state = "running";  // until status.json says otherwise
  row.device = recorded_device(run_dir);
  row.created = unix_time_now();
  auto w = std::make_shared<Watched>(row);
  std::lock_guard w_lock(w->mutex);
  w->follower.start_at_end();
  w->row.id = store_.insert_run(w->row);
  poll(*w);  // reads status.json now: state, and done when it has already ended
  watched_[w->row.id] = w;
  return {{"run", info(*w)}};
}

json RunSupervisor::list(const json&) const {
  std::vector<WatchedPtr> all;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, w] : watched_) all.push_back(w);
  }
  json runs = json::array();
  for (const WatchedPtr& w : all) {
    std::lock_guard lock(w->mutex);
    runs.push_back(info(*w));
  }
  return {{"runs", runs}};
}

json RunSupervisor::get(const json& params) const {
  const WatchedPtr w = find(id_param(params));
  std::lock_guard lock(w->mutex);
  json run = info(*w);
  run["log_tail"] = w->row.owned ? json(tail_lines(rank_log_path(w->row.run_dir, 0),
                                                   options_.log_tail_lines))
                                 : json::array();  // an attached run's logs are elsewhere
  return {{"run", run}};
}

}  // namespace glossa::backend
