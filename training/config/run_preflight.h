// Everything a training run checks before any compute, without LibTorch and without loading a
// weight (docs/glossa-train.md, "Dry run"): the configuration, the model's shape after the
// vocabulary resize, the schedule against that model's parameters, every training shard,
// held-out set and benchmark request file. `glossa-train --dry-run` runs exactly this, and so
// does every real run of glossa-train before it starts.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "training/config/model_config.h"
#include "training/config/run_config.h"
#include "training/data/heldout_set.h"
#include "training/data/request_file.h"

namespace glossa {

struct RunPreflight {
  ModelConfig model;       // the model as trained: vocab_size after the new-token map's resize
  int64_t base_vocab = 0;  // rows before the resize
  std::vector<HeldoutSet> heldout;                          // loaded, in config order
  std::vector<std::pair<std::string, RequestFile>> tasks;  // (path, file), checked
};

// Throws one Error for the first problem (the schedule's lists every problem of every stage).
RunPreflight preflight_run(const RunConfig& config, int64_t world_size);

// The evaluation data of a run (held-out sets read whole, benchmark files checked against the
// model's vocabulary and the training shards' tokenizer): what preflight_run loads.
void load_run_eval_data(const RunConfig& config, const ModelConfig& model, RunPreflight* out);

}  // namespace glossa
