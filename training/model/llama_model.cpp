#include "training/model/llama_model.h"

#include "base/error.h"
#include "training/model/activation_checkpoint.h"

namespace glossa {

LlamaModelImpl::LlamaModelImpl(const ModelConfig& c, const torch::TensorOptions& options) {
  const int64_t padding =
      c.pad_token_id >= 0 && c.pad_token_id < c.vocab_size ? c.pad_token_id : -1;
  embed_tokens = register_module("embed_tokens",
                                 TokenEmbedding(c.vocab_size, c.hidden_size, padding, options));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    decoder.push_back(LlamaDecoderLayer(c, options));
    layers->push_back(decoder.back());
  }
  norm = register_module("norm", RmsNorm(c.hidden_size, c.rms_norm_eps, options));
}

LlamaForCausalLMImpl::LlamaForCausalLMImpl(const ModelConfig& config, const ModelInit& init)
    : config_(config), rotary_(config) {
  config_.validate();
  const auto options = torch::TensorOptions().dtype(init.dtype).device(init.device);
  model = register_module("model", LlamaModel(config_, options));
  if (!config_.tie_word_embeddings)
    lm_head =
        register_module("lm_head", Linear(config_.hidden_size, config_.vocab_size, false, options));
  if (init.random) reset_parameters();
}

void LlamaForCausalLMImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  for (auto& named : named_parameters()) {
    const std::string& name = named.key();
    torch::Tensor& p = named.value();
    if (name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0) {
      p.zero_();
    } else if (name.find("norm.weight") != std::string::npos) {
      p.fill_(1.0);  // input_layernorm, post_attention_layernorm, model.norm
    } else {
      p.normal_(0.0, kInitializerRange);
    }
  }
  const int64_t padding = model->embed_tokens->padding_idx;
  if (padding >= 0) model->embed_tokens->weight[padding].zero_();
}

torch::Tensor LlamaForCausalLMImpl::hidden(const torch::Tensor& ids) {
  if (ids.dim() != 2 || ids.scalar_type() != torch::kInt64)
    fail("LlamaForCausalLM", "expected token ids of shape (B, T) and dtype int64, got shape " +
                                 c10::str(ids.sizes()) + " and dtype " +
                                 c10::toString(ids.scalar_type()));
  auto x = model->embed_tokens->forward(ids);  // (B, T, C)
  const int64_t t = ids.size(1);
  const auto [cos, sin] = rotary_.tables(t, x.device(), x.scalar_type());  // (T, D) each
  const auto mask = config_.architecture == "MistralForCausalLM"  // Llama ignores sliding_window
                        ? sliding_window_mask(t, config_.sliding_window, x.device())
                        : torch::Tensor();
  const AttentionImpl impl = attention_;
  for (auto& layer : model->decoder) {
    if (checkpointing_ && is_training()) {
      std::vector<torch::Tensor> params;
      for (const auto& p : layer->parameters())
        if (p.requires_grad()) params.push_back(p);
      auto l = layer.ptr();  // the closure keeps the layer alive until backward
      x = checkpoint([l, cos, sin, mask, impl](
                         const torch::Tensor& in) { return l->forward(in, cos, sin, mask, impl); },
                     x, params);
    } else {
      x = layer->forward(x, cos, sin, mask, impl);
    }
  }
  return model->norm->forward(x);
}

torch::Tensor LlamaForCausalLMImpl::logits(const torch::Tensor& h) {
  return torch::nn::functional::linear(h, output_embedding());
}

torch::Tensor LlamaForCausalLMImpl::forward(const torch::Tensor& ids) {
  return logits(hidden(ids));
}

torch::Tensor LlamaForCausalLMImpl::input_embedding() const { return model->embed_tokens->weight; }

torch::Tensor LlamaForCausalLMImpl::output_embedding() const {
  return config_.tie_word_embeddings ? model->embed_tokens->weight : lm_head->weight;
}

void LlamaForCausalLMImpl::resize_vocabulary(int64_t new_size) {
  const int64_t old_size = config_.vocab_size;
  if (new_size < old_size)
    fail("resize_vocabulary", "cannot shrink the vocabulary from " + std::to_string(old_size) +
                                  " to " + std::to_string(new_size) + " rows (growing only)");
  if (new_size == old_size) return;
  torch::NoGradGuard no_grad;
  auto grow = [&](torch::Tensor& weight) {  // (V, C) -> (V', C), new rows zero
    const auto extra = torch::zeros({new_size - old_size, weight.size(1)}, weight.options());
    weight.set_data(torch::cat({weight.detach(), extra}, 0));
  };
  grow(model->embed_tokens->weight);
  if (!config_.tie_word_embeddings) grow(lm_head->weight);
  config_.vocab_size = new_size;
}

}  // namespace glossa
