// Differentiable causal self-attention on the CPU in float32, for the small head sizes CPU
// training uses: Glossa's own kernel (causal_attention_kernel.h) behind a LibTorch autograd
// function. Faster than at::scaled_dot_product_attention's CPU flash kernel for head sizes up to
// kCpuAttentionMaxHeadDim (docs/benchmarks.md), equal to it within float32 rounding, and
// grouped-query attention needs no repeated keys/values. Engine-internal: exposes torch.
#pragma once

#include <torch/torch.h>

namespace glossa {

// Above this head size torch's flash kernel is as fast or faster: measured with
// glossa-bench-train-attention-cpu, docs/benchmarks.md (head size 12: 1.3-1.4x, 16: 0.94-1.04x,
// 32: 0.66-0.79x).
constexpr int64_t kCpuAttentionMaxHeadDim = 12;

// Whether cpu_causal_attention takes these (B, H, T, D) queries and (B, KV, T, D) keys/values:
// float32 CPU tensors of matching shapes, H a multiple of KV, D <= kCpuAttentionMaxHeadDim.
bool cpu_causal_attention_applies(const torch::Tensor& q, const torch::Tensor& k,
                                  const torch::Tensor& v);

// softmax(scale * q k^T + causal mask) v -> (B, H, T, D), laid out in memory as (B, T, H, D) so
// that transpose(1, 2).reshape({B, T, H * D}) is free. Query head h reads key/value head
// h / (H / KV). Differentiable in q, k and v; throws where cpu_causal_attention_applies is false.
torch::Tensor cpu_causal_attention(const torch::Tensor& q, const torch::Tensor& k,
                                   const torch::Tensor& v, double scale);

}  // namespace glossa
