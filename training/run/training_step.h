// One optimizer step: grad_accum micro-batches forward and backward, the loss summed over the
// targets of the whole step divided by the step's target count (so accumulation equals one big
// batch, and data parallel equals one process taking every rank's rows), gradient all-reduce,
// clipping, the NaN/Inf check and the masked AdamW update (sharded or not). Engine-internal.
#pragma once

#include "training/torch_core.h"

#include <cstdint>
#include <vector>

#include "training/data/batch.h"
#include "training/model/llama_model.h"
#include "training/optim/step_optimizer.h"

namespace glossa {

struct StepOptions {
  double lr = 0;              // learning rate of this step (the schedule's)
  double clip_grad_norm = 0;  // global L2 limit; 0 = no clipping
  bool inject_nan = false;    // test hook: multiply the loss by NaN before backward
  // Data parallel (null: one process): the step's target count and loss sum are summed over
  // it; gradients travel through the optimizer's buckets (step_optimizer.h).
  ProcessGroup* group = nullptr;
};

struct StepOutcome {
  double loss = 0;       // mean target cross-entropy of the step, nats (NaN when skipped)
  ClipResult clip;       // norms before clipping
  int64_t tokens = 0;    // targets of the step over all ranks
  bool skipped = false;  // loss or gradient norm was NaN/Inf: parameters untouched
};

// (B, T) token ids of a batch as an int64 tensor on `device`.
torch::Tensor batch_tensor(const std::vector<int32_t>& ids, int64_t B, int64_t T,
                           torch::Device device);

// Sum over the batch's counted targets of the cross-entropy (nats), a float32 scalar. Logits are
// upcast to float32 as transformers does.
torch::Tensor target_loss_sum(LlamaForCausalLMImpl& model, const Batch& batch,
                              torch::Device device);

StepOutcome train_step(LlamaForCausalLMImpl& model, StepOptimizer& optimizer,
                       const std::vector<Batch>& micro_batches, const StepOptions& options);

}  // namespace glossa
