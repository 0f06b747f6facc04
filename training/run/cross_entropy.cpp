#include "training/run/cross_entropy.h"

#include "base/error.h"

namespace glossa {
namespace {

struct CrossEntropySum : torch::autograd::Function<CrossEntropySum> {
  // logits (N, V), targets (N) -> () sum of -log_softmax(logits)[target] over counted rows.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& logits,
                               const torch::Tensor& targets) {
    const torch::Tensor counted = targets.ne(kIgnoreTarget);          // (N) bool
    const torch::Tensor index = targets.clamp_min(0).unsqueeze(1);    // (N, 1)
    const torch::Tensor log_probs = torch::log_softmax(logits, 1);    // (N, V), one fused pass
    const torch::Tensor picked = log_probs.gather(1, index).squeeze(1);  // (N)
    // The logits are not kept: backward needs only the log-probabilities.
    ctx->save_for_backward({log_probs, index, counted});
    return -picked.masked_fill(counted.logical_not(), 0).sum();
  }

  // d/dlogits = (softmax(logits) - onehot(target)) * grad, zero on rows that do not count.
  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    torch::Tensor log_probs = saved[0];
    const torch::Tensor& index = saved[1];
    const torch::Tensor& counted = saved[2];
    // In place: the log-probabilities become the gradient, no second (N, V) tensor. Nothing else
    // reads them; a second backward through this graph (retain_graph) would fail autograd's
    // version check with a clear error instead of reading overwritten values.
    torch::Tensor grad = log_probs.exp_();  // (N, V) softmax
    grad.scatter_add_(1, index, torch::full_like(index, -1, grad.options()));
    const torch::Tensor scale = counted.to(grad.scalar_type()) * grads[0];  // (N)
    grad.mul_(scale.unsqueeze(1));
    return {grad, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor cross_entropy_sum(const torch::Tensor& logits, const torch::Tensor& targets) {
  if (logits.dim() != 2 || targets.dim() != 1 || targets.size(0) != logits.size(0))
    fail("cross entropy", "expects (N, V) logits and (N) targets, got " +
                              c10::str(logits.sizes()) + " and " + c10::str(targets.sizes()));
  return CrossEntropySum::apply(logits, targets);
}

}  // namespace glossa
