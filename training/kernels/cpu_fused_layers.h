// RMSNorm and rotary embeddings for float32 CPU tensors as single passes (forward and backward
// each one loop over rows) behind LibTorch autograd functions. The composed torch operations
// they replace (rms_norm.cpp, rotary_embedding.cpp: the same formulas as transformers) run five
// to eight elementwise passes each way over activations that do not fit the cache; on the 10M
// CPU benchmark those passes were a fifth of a step (docs/benchmarks.md). Equal to the composed
// operations within float32 rounding. Engine-internal: exposes torch.
#pragma once

#include "training/torch_core.h"

namespace glossa {

// Whether the fused versions take these tensors: all defined, float32, on the CPU.
bool cpu_fused_layers_apply(std::initializer_list<const torch::Tensor*> tensors);

// weight * (x * rsqrt(mean(x^2, -1) + eps)) for x (..., C) and weight (C); differentiable in both.
torch::Tensor cpu_rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps);

// x * cos + rotate_half(x) * sin for x (B, H, T, D) (any strides) and tables (T, D);
// rotate_half(x) = cat(-x[..., D/2:], x[..., :D/2]). Differentiable in x; the output has x's
// memory layout.
torch::Tensor cpu_rotary(const torch::Tensor& x, const torch::Tensor& cos,
                         const torch::Tensor& sin);

}  // namespace glossa
