#include "training/distributed/grad_sync.h"

#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <cmath>

#include "base/error.h"

namespace glossa {

// Runs after autograd has accumulated a parameter's gradient into .grad (one call per backward).
struct GradSyncHook : torch::autograd::PostAccumulateGradHook {
  GradSyncHook(GradSync* s, size_t t) : sync(s), tensor(t) {}
  void operator()(const torch::autograd::Variable& /*param*/) override {
    sync->on_gradient_ready(tensor);
  }
  GradSync* sync;
  size_t tensor;
};

namespace {

int64_t bucket_bytes(double mb) {
  if (!(mb > 0)) fail("grad sync", "bucket_mb must be > 0, found " + std::to_string(mb));
  return static_cast<int64_t>(std::llround(mb * 1024 * 1024));
}

}  // namespace

GradSync::GradSync(std::shared_ptr<ProcessGroup> group, const NamedParams& params,
                   const FreezePlan& plan, const GradSyncOptions& options)
    : group_(std::move(group)),
      options_(options),
      layout_(params, plan, group_->world_size(), bucket_bytes(options.bucket_mb)) {
  const size_t n = layout_.buckets().size();
  for (size_t b = 0; b < n; ++b) {
    const Bucket& bucket = layout_.buckets()[b];
    if (bucket.device != group_->device())
      fail("grad sync", "trainable tensor '" + layout_.units()[bucket.units[0]].slice.slice.tensor +
                            "' is on " + bucket.device.str() + " but the " +
                            group_->backend_name() + " group communicates on " +
                            group_->device().str() + "; move the model there first");
    buffers_.push_back(layout_.make_buffer(b));
    shards_.push_back(options_.reduce_scatter ? layout_.segment(buffers_[b], b, 0).clone()
                                              : torch::Tensor());
  }
  work_.resize(n);
  pending_.resize(n);
  tensor_ready_.assign(layout_.tensors().size(), false);
  for (size_t b = 0; b < n; ++b)
    pending_[b] = static_cast<int64_t>(layout_.buckets()[b].tensors.size());
  stats_.buckets = static_cast<int64_t>(n);
  for (size_t t = 0; t < layout_.tensors().size(); ++t) {
    const torch::Tensor& param = layout_.tensors()[t];
    if (torch::autograd::impl::post_acc_grad_hooks(param) != nullptr)
      fail("grad sync",
           "a parameter already has a post-accumulate-grad hook (two GradSyncs on "
           "one model? destroy the previous one first)");
    torch::autograd::impl::set_post_acc_grad_hooks(param, std::make_unique<GradSyncHook>(this, t));
  }
}

GradSync::~GradSync() {
  for (const torch::Tensor& param : layout_.tensors())
    torch::autograd::impl::set_post_acc_grad_hooks(param, nullptr);
}

void GradSync::prepare(bool sync) {
  std::lock_guard<std::mutex> lock(mutex_);
  enabled_ = sync;
}

void GradSync::on_gradient_ready(size_t tensor) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!enabled_) return;
  if (tensor_ready_[tensor])
    fail("grad sync",
         "a gradient arrived twice in one synchronised step: call prepare(false) "
         "before each micro-batch that only accumulates, and finish() after the "
         "last one");
  tensor_ready_[tensor] = true;
  for (size_t b : layout_.buckets_of_tensor(tensor)) --pending_[b];
  // Same launch order on every rank (c10d matches collectives by position): bucket b only
  // after bucket b - 1, even when b's gradients were ready first.
  while (next_launch_ < pending_.size() && pending_[next_launch_] == 0)
    launch(next_launch_++, /*from_hook=*/true);
}

void GradSync::launch(size_t b, bool from_hook) {
  ++(from_hook ? stats_.launched_in_backward : stats_.launched_in_finish);
  if (group_->world_size() == 1) return;  // the local gradient is already the mean
  layout_.pack_grads(b, buffers_[b]);
  stats_.bytes_sent += buffers_[b].numel() * buffers_[b].element_size();
  work_[b] = options_.reduce_scatter ? group_->reduce_scatter_sum_async(shards_[b], buffers_[b])
                                     : group_->all_reduce_sum_async(buffers_[b]);
}

void GradSync::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  while (next_launch_ < pending_.size()) launch(next_launch_++, /*from_hook=*/false);
  const int world = group_->world_size();
  const int rank = group_->rank();
  torch::NoGradGuard no_grad;
  for (size_t b = 0; b < work_.size(); ++b) {
    if (world == 1) {  // nothing to average; only give tensors without gradient a zero one
      for (size_t t : layout_.buckets()[b].tensors) {
        const torch::Tensor& param = layout_.tensors()[t];
        if (!param.grad().defined()) param.mutable_grad() = torch::zeros_like(param);
      }
      continue;
    }
    group_->wait(work_[b], options_.reduce_scatter
                               ? "gradient reduce_scatter, bucket " + std::to_string(b)
                               : "gradient all_reduce, bucket " + std::to_string(b));
    work_[b].reset();
    if (options_.reduce_scatter) {
      if (options_.average) shards_[b].div_(world);  // sum over ranks -> mean
      layout_.unpack_grads(b, rank, shards_[b]);
    } else {
      if (options_.average) buffers_[b].div_(world);
      for (int r = 0; r < world; ++r)
        layout_.unpack_grads(b, r, layout_.segment(buffers_[b], b, r));
    }
  }
  next_launch_ = 0;
  for (size_t b = 0; b < pending_.size(); ++b)
    pending_[b] = static_cast<int64_t>(layout_.buckets()[b].tensors.size());
  std::fill(tensor_ready_.begin(), tensor_ready_.end(), false);
  enabled_ = true;
}

}  // namespace glossa
