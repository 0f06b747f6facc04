// The evaluation a training run does every stage's eval_every_steps and at each stage end
// (docs/evaluation.md, "During training"): every held-out set's mean loss and bits per byte,
// every benchmark's metrics and the group scores (KoBEST), from RunConfig's heldout / benchmarks /
// eval blocks. Torch-free header (EvalHook forward-declares the model).
#pragma once

#include <optional>

#include "base/job_control.h"
#include "training/config/run_config.h"
#include "training/config/run_preflight.h"
#include "training/run/trainer.h"

namespace glossa {

// Sets and request files come from `preloaded` (preflight_run read and checked them), else are
// opened on the first call (load_run_eval_data: ids within the model's vocabulary, request files
// prepared with the tokenizer of the training shards). Errors name the file. Returns records {"set_or_task", "metric", "value", "stderr"?}: held-out sets give
// "loss" (nats per token) and "bits_per_byte"; tasks give what their file asks (acc, acc_norm,
// f1, with stderr where defined); groups give the document-weighted means. An empty config
// gives a hook that returns [].
EvalHook make_eval_hook(const RunConfig& config, const JobControl& job,
                        std::optional<RunPreflight> preloaded = std::nullopt);

}  // namespace glossa
