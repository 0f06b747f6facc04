// Grouped-query self-attention of a Llama/Mistral decoder layer: q/k/v projections, rotary
// embeddings on q and k, causal (optionally sliding-window) attention, output projection.
#pragma once

#include "training/torch_core.h"

#include "training/model/linear.h"
#include "training/config/model_config.h"

namespace glossa {

enum class AttentionImpl {
  kAuto,       // kCpuKernel where it is measured faster (no sliding window,
               // cpu_causal_attention_preferred), else kSdpa (docs/benchmarks.md)
  kSdpa,       // at::scaled_dot_product_attention (flash / memory-efficient kernels on CUDA)
  kCpuKernel,  // Glossa's float32 CPU kernel for small heads (cpu_causal_attention.h)
  kReference,  // explicit masked softmax in float32, like transformers' "eager" attention
};

// (T, T) bool, true where query i may attend key j: j <= i and i - j < window (window 0 = no
// limit). Undefined when the plain causal mask applies (no window, or T <= window), so SDPA can
// use its is_causal fast path.
torch::Tensor sliding_window_mask(int64_t length, int64_t window, const torch::Device& device);

// Attention over (B, H, T, D) queries and (B, KV, T, D) keys/values -> (B, H, T, D). `mask` as
// sliding_window_mask returns it (undefined = causal). Scale 1/sqrt(D).
torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const torch::Tensor& mask,
                               AttentionImpl impl);

class LlamaAttentionImpl : public torch::nn::Module {
 public:
  LlamaAttentionImpl(const ModelConfig& config, const torch::TensorOptions& options);
  // x (B, T, C); cos/sin (T, D) rotary tables; mask see sliding_window_mask -> (B, T, C).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& mask, AttentionImpl impl);

  Linear q_proj{nullptr};  // (H*D, C)
  Linear k_proj{nullptr};  // (KV*D, C)
  Linear v_proj{nullptr};  // (KV*D, C)
  Linear o_proj{nullptr};  // (C, H*D)

 private:
  int64_t heads_, kv_heads_, head_dim_;
};
TORCH_MODULE(LlamaAttention);

}  // namespace glossa
