// Differentiable causal self-attention on the CPU in float32: Glossa's own kernel
// (causal_attention_kernel.h) behind a LibTorch autograd function. Faster than
// at::scaled_dot_product_attention's CPU flash kernel for head sizes up to
// kCpuAttentionMaxHeadDim (docs/benchmarks.md), equal to it within float32 rounding, and
// grouped-query attention needs no repeated keys/values. Engine-internal: exposes torch.
#pragma once

#include <torch/torch.h>

namespace glossa {

// Up to this head size the kernel is measured faster than torch's flash kernel on the CPU
// (glossa-bench-train-attention-cpu, docs/benchmarks.md; AVX-512, B 8, H 8, KV 4, T 256: head 8
// 2.2x, 32 1.2-1.4x, 128 1.07-1.18x); above it no one has measured.
constexpr int64_t kCpuAttentionMaxHeadDim = 128;

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
