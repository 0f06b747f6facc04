// run.start's params (docs/protocol.md) turned into what to launch: the validated RUN.json, where
// the trainers will read it, the world size and which GPUs. Refusals are protocol errors: a
// config RunConfig refuses is kRunConfig with data.field when the message names one; a malformed
// parameter is kInvalidParams naming it. Qt-free, torch-free.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "training/config/run_config.h"

namespace glossa::backend {

struct RunStartPlan {
  RunConfig config;             // validated; paths absolute
  std::string run_dir;          // config.run_dir, normalized (no trailing '/', no "..")
  std::string config_path;      // absolute path of the RUN.json the trainers read
  nlohmann::json write_config;  // null: config_path exists as given; else write this there
  int64_t world_size = 1;
  std::string device = "cpu";  // "cpu" | "cuda"
  std::vector<int64_t> gpus;   // device cuda: run.start's gpus (physical indices, one per
                               // rank), else [0, world_size): cuda:LOCAL_RANK of the GPUs
                               // the backend sees
};

// Throws protocol::RpcException.
RunStartPlan plan_run_start(const nlohmann::json& params);

// `path` made absolute-looking and normalized: "/a/b/../c/" -> "/a/c".
std::string normalized_dir(const std::string& path);

// The field a RunConfig error message names ("... unknown key 'chekpoint_every_steps' ..." ->
// "chekpoint_every_steps"), or "" when it names none.
std::string field_of_config_error(const std::string& message);

}  // namespace glossa::backend
