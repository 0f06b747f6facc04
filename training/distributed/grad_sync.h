// Data-parallel gradient synchronisation (docs/distributed.md): bucketed, averaged gradient
// all-reduce (or reduce-scatter for ZeRO-1) launched from autograd hooks as soon as a bucket's
// last gradient has been accumulated, so communication overlaps the rest of the backward pass;
// finish() waits for everything before the optimizer step. Engine-internal: exposes torch.
//
// Use per optimizer step:
//   for each micro-batch i of n: sync.prepare(i == n - 1); loss(i).backward();
//   sync.finish();   // gradients are now the mean over every rank's batch
//   optimizer.clip_grad_norm(...); optimizer.step(); optimizer.zero_grad();
// Every rank must run the same micro-batch count with the same local batch size, so that the
// mean of the per-rank mean losses is the mean over the global batch.
#pragma once

#include "training/torch_core.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "training/distributed/bucket_layout.h"
#include "training/config/freeze_plan.h"
#include "training/optim/masked_adamw.h"
#include "training/distributed/process_group.h"

namespace glossa {

struct GradSyncOptions {
  // Bucket capacity in MiB (torch DDP's bucket_cap_mb default). Smaller buckets start sooner
  // and overlap more; larger ones pay less per-collective latency.
  double bucket_mb = 25;
  // false: all-reduce, every rank gets every averaged gradient row. true (ZeRO-1, zero1.h):
  // reduce-scatter, each rank gets the averaged gradient only for the rows it owns
  // (BucketLayout::shard_plan); the other rows of its .grad are left as they were.
  bool reduce_scatter = false;
  // true: divide the sum by the world size (each rank's loss is a mean over its own batch).
  // false: keep the sum (the loss is already divided by the GLOBAL token count, as the trainer
  // does: exact even when ranks see different numbers of target tokens).
  bool average = true;
};

// What the last synchronisation did (for tests and logs).
struct GradSyncStats {
  int64_t buckets = 0;               // buckets in the layout
  int64_t launched_in_backward = 0;  // launched from a hook, i.e. overlapping backward
  int64_t launched_in_finish = 0;    // launched by finish() (tensors without gradient)
  int64_t bytes_sent = 0;            // bucket buffer bytes handed to collectives
};

class GradSync {
 public:
  // Installs a post-accumulate-grad hook on every tensor of `plan` (only frozen rows'
  // gradients are never communicated). Throws Error when a tensor already has such a hook or
  // lives on another device than the group's.
  GradSync(std::shared_ptr<ProcessGroup> group, const NamedParams& params, const FreezePlan& plan,
           const GradSyncOptions& options = {});
  ~GradSync();  // removes the hooks
  GradSync(const GradSync&) = delete;
  GradSync& operator=(const GradSync&) = delete;

  // Before each backward: sync = false for the micro-batches that only accumulate locally
  // (hooks do nothing), true for the one that completes the step (the default).
  void prepare(bool sync);
  // After the last backward of a step: launches buckets no hook launched (tensors without a
  // gradient count as zeros and get a zero gradient), waits for every collective, averages,
  // and writes the result into the gradients. Throws Error when a rank failed or timed out.
  void finish();

  const BucketLayout& layout() const { return layout_; }
  // Bucket b's (W * S) buffer: after finish() it holds the reduced gradients; zero1 reuses it
  // for the parameter all-gather.
  torch::Tensor& buffer(size_t b) { return buffers_[b]; }
  // Bucket b's (S) reduce-scatter output (reduce_scatter mode only; undefined otherwise).
  torch::Tensor& shard(size_t b) { return shards_[b]; }
  ProcessGroup& group() { return *group_; }
  bool reduce_scatter() const { return options_.reduce_scatter; }
  const GradSyncStats& stats() const { return stats_; }

 private:
  friend struct GradSyncHook;
  void on_gradient_ready(size_t tensor);  // called from the autograd hook
  void launch(size_t b, bool from_hook);  // packs bucket b and starts its collective

  std::shared_ptr<ProcessGroup> group_;
  GradSyncOptions options_;
  BucketLayout layout_;
  std::vector<torch::Tensor> buffers_;  // per bucket (W * S)
  std::vector<torch::Tensor> shards_;   // per bucket (S), reduce-scatter output
  std::vector<ProcessGroup::Work> work_;
  std::vector<int64_t> pending_;    // per bucket: tensors still without gradient
  std::vector<bool> tensor_ready_;  // per distinct tensor, this backward
  size_t next_launch_ = 0;          // buckets launch strictly in index order on every rank
  bool enabled_ = true;
  GradSyncStats stats_;
  std::mutex mutex_;  // hooks may run on autograd's device threads
};

}  // namespace glossa
