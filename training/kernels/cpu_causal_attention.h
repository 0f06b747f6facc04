// Differentiable causal self-attention on the CPU in float32: Glossa's own kernel
// (causal_attention_kernel.h) behind a LibTorch autograd function. Faster than
// at::scaled_dot_product_attention's CPU flash kernel for head sizes up to
// kCpuAttentionMaxHeadDim (docs/benchmarks.md), equal to it within float32 rounding, and
// grouped-query attention needs no repeated keys/values. Engine-internal: exposes torch.
#pragma once

#include "training/torch_core.h"

namespace glossa {

// Where the kernel is measured faster than torch's flash kernel on the CPU
// (glossa-bench-train-attention-cpu, docs/benchmarks.md, AVX-512, 1 thread): every head size up
// to kCpuAttentionMaxHeadDim for sequences up to kCpuAttentionShortLength (T 256: head 8 2.2x,
// 32 1.2x, 128 1.07x); beyond that only while head size x length stays within
// kCpuAttentionMaxDimTimesLength (T 1024: head 24 1.2x but 32 0.8-0.96x; T 2048: head 12 1.1x,
// 16 0.8x), since the keys and values of one head then no longer stay in the first-level cache.
constexpr int64_t kCpuAttentionMaxHeadDim = 128;
constexpr int64_t kCpuAttentionShortLength = 512;
constexpr int64_t kCpuAttentionMaxDimTimesLength = 24576;

// Whether cpu_causal_attention takes these (B, H, T, D) queries and (B, KV, T, D) keys/values:
// float32 CPU tensors of matching shapes, H a multiple of KV, D <= kCpuAttentionMaxHeadDim.
bool cpu_causal_attention_applies(const torch::Tensor& q, const torch::Tensor& k,
                                  const torch::Tensor& v);

// Whether the model's default attention should take the kernel for these tensors: it applies
// and is measured faster there than SDPA (the limits above).
bool cpu_causal_attention_preferred(const torch::Tensor& q, const torch::Tensor& k,
                                    const torch::Tensor& v);

// softmax(scale * q k^T + causal mask) v -> (B, H, T, D), laid out in memory as (B, T, H, D) so
// that transpose(1, 2).reshape({B, T, H * D}) is free. Query head h reads key/value head
// h / (H / KV). Differentiable in q, k and v; throws where cpu_causal_attention_applies is false.
torch::Tensor cpu_causal_attention(const torch::Tensor& q, const torch::Tensor& k,
                                   const torch::Tensor& v, double scale);

}  // namespace glossa
