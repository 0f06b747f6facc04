// Training checkpoints (docs/checkpoints.md): run_dir/checkpoints/step-00000123/ holds
// model.safetensors (transformers' names), optimizer.safetensors (MaskedAdamW::state_tensors),
// state.json (TrainState) and checksums.json (SHA-256 of every other file, written last).
// Written into step-00000123.tmp/, fsynced, renamed into place; older checkpoints beyond
// `keep` are deleted only after that. Loading takes the newest directory whose checksums verify.
// Engine-internal: exposes torch::Tensor.
#pragma once

#include "training/torch_core.h"

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "training/io/safetensors.h"

namespace glossa {

class SafetensorsWriter;

inline constexpr int kCheckpointFormatVersion = 1;

// Where the run stands after the last completed optimizer step (state.json).
struct TrainState {
  int64_t stage_index = 0;    // 0-based index into the schedule's stages
  std::string stage_name;     // the stage's name (checked against the schedule on resume)
  int64_t step_in_stage = 0;  // optimizer steps done in this stage (== its steps: stage done)
  int64_t global_step = 0;    // optimizer steps done in the run (skipped NaN steps included)
  int64_t tokens_seen = 0;    // training tokens consumed by the run (all ranks)
  int64_t nan_skips = 0;      // steps skipped for a NaN/Inf loss or gradient norm
  nlohmann::json sampler;     // BatchSampler::state(): the data position
  nlohmann::json optimizer;   // MaskedAdamW::state_json() of stage optimizer_stage
  // The stage whose freeze plan `optimizer` belongs to: stage_index mid-stage, stage_index - 1
  // at a stage end (the next stage carries state over from it); -1 = no optimizer yet.
  int64_t optimizer_stage = -1;
  std::string torch_cpu_rng;  // torch's default CPU generator state, hex
  std::string config_hash;    // RunConfig::numerics_hash() of the run that wrote it

  nlohmann::json to_json() const;
  static TrainState from_json(const nlohmann::json& json, const std::string& where);
};

struct CheckpointData {
  std::vector<std::pair<std::string, torch::Tensor>> model;  // transformers' names
  std::map<std::string, torch::Tensor> optimizer;            // MaskedAdamW::state_tensors()
  TrainState state;
  // Instead of `optimizer` (when set): writes optimizer.safetensors through a writer laid out
  // from `optimizer_specs`, tensor by tensor, and returns the optimizer JSON that state.json
  // then records (replacing state.optimizer). ZeRO-1 gathers the state as it writes.
  std::function<nlohmann::json(SafetensorsWriter&)> write_optimizer;
  NamedTensors optimizer_specs;
};

// "step-00000123" for global step 123.
std::string checkpoint_dir_name(int64_t global_step);

// Writes `data` as checkpoints_dir/step-XXXXXXXX (a checkpoint of the same step is replaced),
// then deletes the oldest beyond `keep` (>= 1). Returns the new directory. A write error (disk
// full...) throws Error naming the file; the temporary directory is removed and every earlier
// checkpoint stays as it was.
std::string write_checkpoint(const std::string& checkpoints_dir, const CheckpointData& data,
                             int64_t keep);

// Throws Error naming the checkpoint and the file when checksums.json is missing or unreadable,
// a listed file is missing, or a file's SHA-256 differs.
void verify_checkpoint(const std::string& dir);

// Checkpoint directories (step-XXXXXXXX, no .tmp) by global step, newest first.
std::vector<std::string> list_checkpoints(const std::string& checkpoints_dir);

// The newest checkpoint that verifies. Each newer one that does not is reported to `rejected`
// (directory, the Error's message). nullopt when there is none or none verifies.
std::optional<std::string> find_latest_valid_checkpoint(
    const std::string& checkpoints_dir,
    const std::function<void(const std::string& dir, const std::string& problem)>& rejected);

// Whether checkpoint folder `dir` holds an optimizer.safetensors (a plain file), and its tensors
// mapped, not copied (map_safetensors). Checksums are not checked: for a checkpoint this process
// group has just written (the ZeRO-1 carry-over between stages).
bool has_optimizer_file(const std::string& dir);
std::map<std::string, torch::Tensor> map_optimizer_file(const std::string& dir);

// Reads a (verified) checkpoint; tensors on the CPU in their stored dtype.
CheckpointData read_checkpoint(const std::string& dir);

// mkdir -p (POSIX; see train_checkpoint.cpp on std::filesystem). Throws Error naming the path.
void make_directories(const std::string& path);

// SHA-256 of a file's content, read in chunks (hex). Throws Error naming the file.


// torch's default CPU generator state as hex, and back (Error when the hex is malformed).
std::string cpu_rng_state_hex();
void restore_cpu_rng_state(const std::string& hex);

}  // namespace glossa
