// Held-out evaluation: token NLL over fixed windows of a held-out shard, mean loss per token and
// bits per byte (docs/evaluation.md). Engine-internal (exposes the model); the trainer calls it every
// N steps, `evaluate_model` (eval_api.h) outside training.
#pragma once

#include "training/torch_core.h"

#include <cstdint>

#include "base/job_control.h"
#include "training/data/batch.h"
#include "training/api/eval_api.h"
#include "training/data/heldout_set.h"
#include "training/model/llama_model.h"

namespace glossa {

// Sum of -log p(target) in nats over the targets whose mask is 1, and their count.
struct NllSum {
  double nll = 0;
  int64_t tokens = 0;
};

// One batch: the model reads batch.inputs (B, T); log-softmax is taken in fp32 whatever the
// parameter dtype, only at masked-in positions (memory: K x V for K scored positions, in chunks).
NllSum batch_nll(LlamaForCausalLMImpl& model, const Batch& batch);

// Scores the set's windows in order, `batch_size` rows at a time. With max_tokens > 0 only the
// first ceil(max_tokens / T) windows are scored and the bytes are the manifest's bytes scaled by
// the share of targets scored (bytes_estimated). Throws Error naming the set when the manifest
// gives no byte count (bits per byte would be meaningless).
HeldoutResult evaluate_heldout(LlamaForCausalLMImpl& model, const HeldoutSet& set,
                               int64_t batch_size, int64_t max_tokens, const JobControl& job);

}  // namespace glossa
