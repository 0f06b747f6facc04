// The trainer's data-parallel seam (training/gradient_sync.h, from the trainer branch)
// implemented with a c10d ProcessGroup: blocking, bucketed all-reduce (sum) of whatever tensors
// the trainer hands over (the step's token count; the gradients plus the loss sum).
// Overlap with backward and ZeRO-1 need more than this seam offers: see grad_sync.h / zero1.h
// and docs/distributed.md ("Trainer integration"). Engine-internal (torch).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "training/gradient_sync.h"
#include "training/process_group.h"

namespace glossa {

class C10dGradientSync final : public GradientSync {
 public:
  // bucket_mb: flat buffers of at most this many MiB (one collective each, all in flight).
  explicit C10dGradientSync(std::shared_ptr<ProcessGroup> group, double bucket_mb = 25);

  int rank() const override { return group_->rank(); }
  int world_size() const override { return group_->world_size(); }
  // Sums every defined tensor over the ranks, in place (undefined tensors are skipped on every
  // rank alike). Tensors off the group's device travel there and back.
  void all_reduce_sum(std::vector<torch::Tensor>& tensors) override;

  ProcessGroup& group() { return *group_; }

 private:
  std::shared_ptr<ProcessGroup> group_;
  int64_t bucket_bytes_;
};

}  // namespace glossa
