#include "backend/run_start_plan.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "base/error.h"
#include "protocol/rpc_message.h"

namespace glossa::backend {
namespace {

using nlohmann::json;
using protocol::RpcException;

constexpr int64_t kMaxWorldSize = 256;  // local ranks of one machine

[[noreturn]] void bad_param(const std::string& field, const std::string& expected,
                            const std::string& message) {
  throw RpcException(protocol::kInvalidParams, "run.start: " + message,
                     {{"field", field}, {"expected", expected}});
}

[[noreturn]] void bad_config(const std::string& message) {
  json data = json::object();
  const std::string field = field_of_config_error(message);
  if (!field.empty()) data["field"] = field;
  throw RpcException(protocol::kRunConfig, message, data);
}

bool is_cuda(const std::string& device) { return device.rfind("cuda", 0) == 0; }

bool identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

// The config, from a path (absolute, or relative to base_dir) or an object. An object's relative
// paths resolve against base_dir, by default the folder holding its (absolute) run_dir. The object
// is written to RUN_DIR/RUN.json as RunConfig::to_json() gives it: every path resolved to an
// absolute one, the schedule inline. So the file the trainers read means the same wherever it is
// read from, and it records exactly what ran even when a preset it named changes later.
void load_config(const json& params, const std::string& base_dir, RunStartPlan& plan) {
  const json& config = params.at("config");
  try {
    if (config.is_string()) {
      std::string path = config.get<std::string>();
      if (std::filesystem::path(path).is_relative()) {
        if (base_dir.empty())
          bad_param("base_dir", "an absolute folder",
                    "the config path '" + path + "' is relative: give base_dir");
        path = base_dir + "/" + path;
      }
      plan.config_path = std::filesystem::path(path).lexically_normal().string();
      plan.config = RunConfig::load(plan.config_path);
    } else if (config.is_object()) {
      std::string base = base_dir;
      if (base.empty()) {
        const json run_dir = config.value("run_dir", json());
        if (!run_dir.is_string() || std::filesystem::path(run_dir.get<std::string>()).is_relative())
          bad_param("base_dir", "an absolute folder",
                    "a config object with a relative (or no) run_dir needs base_dir");
        base = std::filesystem::path(normalized_dir(run_dir.get<std::string>()))
                   .parent_path()
                   .string();
      }
      plan.config = RunConfig::from_json(config, "run.start config", base);
      plan.write_config = plan.config.to_json();
    } else {
      bad_param("config", "string or object", "config must be a RUN.json path or its object");
    }
  } catch (const Error& e) {
    bad_config(e.what());
  }
  plan.run_dir = normalized_dir(plan.config.run_dir);
  if (!plan.write_config.is_null()) plan.config_path = plan.run_dir + "/RUN.json";
}

// run.start's device and gpus over the config's device.
void apply_devices(const json& params, RunStartPlan& plan) {
  if (params.contains("device")) {
    const std::string device =
        params.at("device").is_string() ? params.at("device").get<std::string>() : "";
    if (device != "cpu" && device != "cuda")
      bad_param("device", "\"cpu\" or \"cuda\"", "device must be \"cpu\" or \"cuda\"");
    if (is_cuda(plan.config.device) != (device == "cuda")) {
      plan.config.device = device;  // the trainers read a file: write the changed config
      try {
        plan.config.validate("run.start device \"" + device + "\"");
      } catch (const Error& e) {
        bad_config(e.what());
      }
      plan.config_path = plan.run_dir + "/RUN.json";
      plan.write_config = plan.config.to_json();
    }
  }
  plan.device = is_cuda(plan.config.device) ? "cuda" : "cpu";
  if (!params.contains("gpus")) {
    if (plan.device == "cuda")
      for (int64_t r = 0; r < plan.world_size; ++r) plan.gpus.push_back(r);
    return;
  }
  if (plan.device != "cuda")
    bad_param("gpus", "no gpus for device cpu", "gpus given for a cpu run");
  if (plan.config.device != "cuda")
    throw RpcException(protocol::kRunConfig,
                       "run.start: device \"" + plan.config.device +
                           "\" with gpus: use \"cuda\" (each rank takes cuda:LOCAL_RANK of the "
                           "GPUs listed)",
                       {{"field", "device"}});
  const json& gpus = params.at("gpus");
  if (!gpus.is_array()) bad_param("gpus", "array of integers", "gpus must be an array");
  std::set<int64_t> seen;
  for (const json& g : gpus) {
    if (!g.is_number_integer() || g.get<int64_t>() < 0 || !seen.insert(g.get<int64_t>()).second)
      bad_param("gpus", "distinct GPU indices >= 0", "gpus must list distinct indices >= 0");
    plan.gpus.push_back(g.get<int64_t>());
  }
  if (int64_t(plan.gpus.size()) != plan.world_size)
    bad_param("gpus", "one GPU per rank",
              "gpus lists " + std::to_string(plan.gpus.size()) + " GPUs for world_size " +
                  std::to_string(plan.world_size));
}

}  // namespace

std::string normalized_dir(const std::string& path) {
  std::string out = std::filesystem::path(path).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string field_of_config_error(const std::string& message) {
  for (size_t open = message.find('\''); open != std::string::npos;
       open = message.find('\'', open + 1)) {
    const size_t close = message.find('\'', open + 1);
    if (close == std::string::npos) break;
    const std::string token = message.substr(open + 1, close - open - 1);
    if (!token.empty() && std::all_of(token.begin(), token.end(), identifier_char)) return token;
    open = close;
  }
  // "WHERE: data: ..." names a section without quoting a key.
  for (const char* section : {"model", "tokenizer", "schedule", "data", "heldout", "eval"}) {
    if (message.find(std::string(": ") + section + ":") != std::string::npos ||
        message.find(std::string(": ") + section + "[") != std::string::npos ||
        message.find(std::string(": ") + section + ".") != std::string::npos)
      return section;
  }
  return "";
}

RunStartPlan plan_run_start(const json& params) {
  if (!params.is_object() || !params.contains("config"))
    bad_param("config", "string or object", "config is missing");
  std::string base_dir;
  if (params.contains("base_dir")) {
    base_dir = params.at("base_dir").is_string() ? params.at("base_dir").get<std::string>() : "";
    if (std::filesystem::path(base_dir).is_relative())
      bad_param("base_dir", "an absolute folder", "base_dir must be an absolute path");
    base_dir = normalized_dir(base_dir);
  }
  RunStartPlan plan;
  if (params.contains("world_size")) {
    const json& w = params.at("world_size");
    if (!w.is_number_integer() || w.get<int64_t>() < 1 || w.get<int64_t>() > kMaxWorldSize)
      bad_param("world_size", "an integer 1.." + std::to_string(kMaxWorldSize),
                "world_size must be between 1 and " + std::to_string(kMaxWorldSize));
    plan.world_size = w.get<int64_t>();
  }
  load_config(params, base_dir, plan);
  apply_devices(params, plan);
  return plan;
}

}  // namespace glossa::backend
