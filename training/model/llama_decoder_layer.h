// One pre-norm decoder layer: x + attn(norm(x)), then h + mlp(norm(h)).
#pragma once

#include "training/torch_core.h"

#include "training/model/llama_attention.h"
#include "training/model/llama_mlp.h"
#include "training/model/rms_norm.h"

namespace glossa {

class LlamaDecoderLayerImpl : public torch::nn::Module {
 public:
  LlamaDecoderLayerImpl(const ModelConfig& config, const torch::TensorOptions& options);
  // x (B, T, C); cos/sin (T, D); mask see sliding_window_mask -> (B, T, C).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& mask, AttentionImpl impl);

  LlamaAttention self_attn{nullptr};
  LlamaMlp mlp{nullptr};
  RmsNorm input_layernorm{nullptr};           // (C)
  RmsNorm post_attention_layernorm{nullptr};  // (C)
};
TORCH_MODULE(LlamaDecoderLayer);

}  // namespace glossa
