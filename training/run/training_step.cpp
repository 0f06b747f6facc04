#include "training/run/training_step.h"

#include <cmath>
#include <limits>

#include "base/error.h"
#include "training/run/cross_entropy.h"
#include "training/distributed/process_group.h"

namespace glossa {

torch::Tensor batch_tensor(const std::vector<int32_t>& ids, int64_t B, int64_t T,
                           torch::Device device) {
  // from_blob does not copy; to(kLong) does, so the vector may go away afterwards.
  auto view = torch::from_blob(const_cast<int32_t*>(ids.data()), {B, T}, torch::kInt32);
  return view.to(torch::kLong).to(device);
}

torch::Tensor target_loss_sum(LlamaForCausalLMImpl& model, const Batch& batch,
                              torch::Device device) {
  torch::Tensor ids = batch_tensor(batch.inputs, batch.B, batch.T, device);       // (B, T)
  torch::Tensor targets = batch_tensor(batch.targets, batch.B, batch.T, device);  // (B, T)
  auto mask = torch::from_blob(const_cast<uint8_t*>(batch.loss_mask.data()), {batch.B, batch.T},
                               torch::kUInt8)
                  .to(torch::kBool)
                  .to(device);
  targets = targets.masked_fill(mask.logical_not(), kIgnoreTarget);
  torch::Tensor logits = model.forward(ids);  // (B, T, V)
  const int64_t V = logits.size(-1);
  return cross_entropy_sum(logits.reshape({-1, V}).to(torch::kFloat32), targets.reshape({-1}));
}

StepOutcome train_step(LlamaForCausalLMImpl& model, StepOptimizer& optimizer,
                       const std::vector<Batch>& micro_batches, const StepOptions& options) {
  const torch::Device device = model.input_embedding().device();
  StepOutcome out;
  optimizer.set_lr(options.lr);  // also for a skipped step: its metrics row shows the lr
  int64_t local_tokens = 0;
  for (const Batch& b : micro_batches) local_tokens += b.loss_tokens();
  double global_tokens = static_cast<double>(local_tokens);
  if (options.group) {
    torch::Tensor count = torch::tensor(global_tokens, torch::kFloat64).to(options.group->device());
    options.group->all_reduce_sum(count);
    global_tokens = count.item<double>();  // device -> host sync
  }
  out.tokens = static_cast<int64_t>(global_tokens);
  if (global_tokens <= 0) fail("training step", "the step's batches hold no target tokens");

  torch::Tensor loss_sum = torch::zeros({}, torch::TensorOptions(torch::kFloat32).device(device));
  for (size_t i = 0; i < micro_batches.size(); ++i) {
    torch::Tensor sum = target_loss_sum(model, micro_batches[i], device);
    torch::Tensor loss = sum / global_tokens;  // this micro-batch's share of the step's mean
    if (options.inject_nan) loss = loss * std::numeric_limits<double>::quiet_NaN();
    optimizer.before_backward(i + 1 == micro_batches.size());
    loss.backward();
    loss_sum += options.inject_nan ? loss.detach() : sum.detach();
  }
  optimizer.after_backward();  // gradient buckets overlapped the backward; wait for them
  if (options.group) {
    torch::Tensor on_group = loss_sum.to(options.group->device(), torch::kFloat64);
    options.group->all_reduce_sum(on_group);
    loss_sum = on_group;
  }
  out.loss = loss_sum.item<double>() / global_tokens;  // device -> host sync
  out.clip = optimizer.clip_grad_norm(options.clip_grad_norm);
  if (!std::isfinite(out.loss) || !std::isfinite(out.clip.total_norm)) {
    optimizer.zero_grad();
    out.skipped = true;
    return out;
  }
  optimizer.step();
  optimizer.zero_grad();
  return out;
}

}  // namespace glossa
