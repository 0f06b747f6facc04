// The evaluation a training run does every stage's eval_every_steps and at each stage end
// (issue 8 §7): every held-out set's mean loss and bits per byte, every benchmark's metrics and
// the group scores (KoBEST), from RunConfig's heldout / benchmarks / eval blocks. Torch-free
// header (EvalHook forward-declares the model).
#pragma once

#include "tokenizer/job_control.h"
#include "training/run_config.h"
#include "training/trainer.h"

namespace glossa {

// Sets and request files are opened on the first call (the model's vocabulary is known then)
// and checked before any compute: ids within the model's vocabulary, and request files prepared
// with the tokenizer of the training shards (their manifests' fingerprint). Errors name the
// file. Returns records {"set_or_task", "metric", "value", "stderr"?}: held-out sets give
// "loss" (nats per token) and "bits_per_byte"; tasks give what their file asks (acc, acc_norm,
// f1, with stderr where defined); groups give the document-weighted means. An empty config
// gives a hook that returns [].
EvalHook make_eval_hook(const RunConfig& config, const JobControl& job);

}  // namespace glossa
