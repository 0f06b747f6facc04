#include "training/c10d_gradient_sync.h"

#include <cmath>

#include "tokenizer/error.h"

namespace glossa {

C10dGradientSync::C10dGradientSync(std::shared_ptr<ProcessGroup> group, double bucket_mb)
    : group_(std::move(group)),
      bucket_bytes_(static_cast<int64_t>(std::llround(bucket_mb * 1024 * 1024))) {
  if (bucket_bytes_ <= 0) fail("gradient sync", "bucket_mb must be > 0");
}

void C10dGradientSync::all_reduce_sum(std::vector<torch::Tensor>& tensors) {
  if (group_->world_size() == 1) return;
  torch::NoGradGuard no_grad;
  // Consecutive tensors of one dtype share a flat bucket of at most bucket_bytes_.
  struct Flat {
    std::vector<size_t> members;
    torch::Tensor buffer;
    ProcessGroup::Work work;
  };
  std::vector<Flat> flats;
  int64_t bytes = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const torch::Tensor& t = tensors[i];
    if (!t.defined()) continue;
    const int64_t size = t.numel() * t.element_size();
    if (flats.empty() || bytes + size > bucket_bytes_ ||
        tensors[flats.back().members.front()].scalar_type() != t.scalar_type()) {
      flats.emplace_back();
      bytes = 0;
    }
    flats.back().members.push_back(i);
    bytes += size;
  }
  for (Flat& f : flats) {
    std::vector<torch::Tensor> parts;
    for (size_t i : f.members) parts.push_back(tensors[i].reshape({-1}).to(group_->device()));
    f.buffer = torch::cat(parts);
    f.work = group_->all_reduce_sum_async(f.buffer);
  }
  for (Flat& f : flats) {
    group_->wait(f.work, "all_reduce of " + std::to_string(f.members.size()) + " tensors");
    int64_t offset = 0;
    for (size_t i : f.members) {
      torch::Tensor& t = tensors[i];
      t.copy_(f.buffer.narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }
}

}  // namespace glossa
