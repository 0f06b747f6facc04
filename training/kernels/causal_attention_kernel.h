// Causal softmax attention for float32 on the CPU, written for the head sizes of the models
// Glossa trains on a CPU (stories260K: 8, the 10M benchmark shape: 32, LLaMmlein's 64), where
// torch's flash kernel spends much of its time in per-block overhead (docs/benchmarks.md). One
// call handles one (batch, head) in the forward pass and one (batch, key/value head) in
// backward, so callers parallelise over those and no two tasks write the same memory;
// grouped-query attention reads the shared key/value head directly (no repeated copies). The
// arithmetic is the textbook one (FlashAttention's recomputation): forward saves only the
// log-sum-exp per row, backward recomputes the probabilities from it. Query rows go in blocks of
// eight against register-blocked tiles of keys, so every key/value element loaded serves eight
// rows and the dK/dV accumulators are read and written once per block. Torch-free
// (cpu_causal_attention.h wraps it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace glossa {

// A (B, H, T, D) float32 view with element strides: element (b, h, t, d) is at
// data[b * stride[0] + h * stride[1] + t * stride[2] + d * stride[3]].
struct AttentionView {
  float* data = nullptr;
  int64_t stride[4] = {0, 0, 0, 0};
  float* at(int64_t b, int64_t h, int64_t t) const {
    return data + b * stride[0] + h * stride[1] + t * stride[2];
  }
};

struct AttentionShape {
  int64_t heads = 0;     // H query heads
  int64_t kv_heads = 0;  // KV key/value heads; H % KV == 0, query head h reads h / (H / KV)
  int64_t length = 0;    // T, the same for queries and keys (self-attention)
  int64_t head_dim = 0;  // D
  float scale = 0;       // usually 1 / sqrt(D)
};

// Per-thread working memory, reused across calls (sized on first use).
struct AttentionScratch {
  std::vector<float> buffer;
};

// o[b, h] = softmax(scale * q[b, h] k[b, h/g]^T, causal) v[b, h/g]; lse[t] (T floats for this
// (b, h), contiguous) = the log-sum-exp of row t's scaled scores.
void causal_attention_forward_head(const AttentionShape& shape, const AttentionView& q,
                                   const AttentionView& k, const AttentionView& v,
                                   const AttentionView& o, float* lse, int64_t b, int64_t h,
                                   AttentionScratch& scratch);

// Gradients for key/value head kvh of batch b: dq of its H/KV query heads, and dk, dv summed
// over them. `lse` is the forward's (B, H, T) contiguous array, `o` the forward output and
// `grad_o` its gradient.
void causal_attention_backward_kv_head(const AttentionShape& shape, const AttentionView& q,
                                       const AttentionView& k, const AttentionView& v,
                                       const AttentionView& o, const AttentionView& grad_o,
                                       const float* lse, const AttentionView& grad_q,
                                       const AttentionView& grad_k, const AttentionView& grad_v,
                                       int64_t b, int64_t kvh, AttentionScratch& scratch);

// The instruction sets the kernel is compiled for that this machine runs, best first ("avx512",
// "avx2", "baseline"); the one in use (the best, unless changed); and a change of it, for tests
// and benchmarks that compare them (not thread-safe: call it while no attention runs). Throws
// glossa::Error naming the sets this machine runs when `name` is not one of them.
std::vector<std::string> causal_attention_isas();
std::string causal_attention_isa();
void use_causal_attention_isa(const std::string& name);

}  // namespace glossa
