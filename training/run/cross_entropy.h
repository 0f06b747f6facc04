// The training loss's cross-entropy with a hand-written backward: forward keeps the (N, V)
// log-probabilities (not the logits), backward turns them into softmax - one-hot in place.
// Equals F.cross_entropy(logits, targets, ignore_index=-100, reduction="sum") to float32
// rounding, with no (N, V) temporary in backward instead of two (the NLL gradient, the
// log-softmax gradient), and faster on CPU (docs/benchmarks.md). The graph cannot be
// back-propagated twice (retain_graph): autograd reports that as an in-place modification.
// Engine-internal: exposes torch.
#pragma once

#include "training/torch_core.h"

namespace glossa {

constexpr int64_t kIgnoreTarget = -100;  // targets that do not count (padding, masked)

// logits: (N, V) floating; targets: (N) int64 in [0, V) or kIgnoreTarget. Returns a 0-dim sum
// over the counted rows, differentiable with respect to `logits`.
torch::Tensor cross_entropy_sum(const torch::Tensor& logits, const torch::Tensor& targets);

}  // namespace glossa
