// The seam for data-parallel training (issue 8 §6): the trainer calls it, the distributed module
// implements it (c10d, Gloo on CPU, NCCL on CUDA). A null GradientSync means one process
// (world size 1): nothing is reduced and this process is rank 0. Engine-internal: exposes torch.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace glossa {

class GradientSync {
 public:
  virtual ~GradientSync() = default;
  virtual int rank() const = 0;        // this process, 0-based; rank 0 writes metrics/checkpoints
  virtual int world_size() const = 0;  // processes taking part (>= 1)
  // Sums every tensor over the ranks, in place. Per optimizer step the trainer calls it twice,
  // in the same order on every rank: first with the step's target-token count (a float64
  // scalar, before any backward pass: the loss is divided by the global count), then with the
  // gradients of the trainable tensors plus the step's loss sum (before clipping).
  virtual void all_reduce_sum(std::vector<torch::Tensor>& tensors) = 0;
};

}  // namespace glossa
