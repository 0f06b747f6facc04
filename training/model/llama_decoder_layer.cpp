#include "training/model/llama_decoder_layer.h"

namespace glossa {

LlamaDecoderLayerImpl::LlamaDecoderLayerImpl(const ModelConfig& c,
                                             const torch::TensorOptions& options) {
  // Registration order = transformers' attribute order (so named_parameters() lists alike).
  self_attn = register_module("self_attn", LlamaAttention(c, options));
  mlp = register_module("mlp", LlamaMlp(c, options));
  input_layernorm =
      register_module("input_layernorm", RmsNorm(c.hidden_size, c.rms_norm_eps, options));
  post_attention_layernorm =
      register_module("post_attention_layernorm", RmsNorm(c.hidden_size, c.rms_norm_eps, options));
}

torch::Tensor LlamaDecoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                             const torch::Tensor& sin, const torch::Tensor& mask,
                                             AttentionImpl impl) {
  const auto h = x + self_attn->forward(input_layernorm->forward(x), cos, sin, mask, impl);
  return h + mlp->forward(post_attention_layernorm->forward(h));
}

}  // namespace glossa
