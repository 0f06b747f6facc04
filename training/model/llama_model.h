// The Llama-family decoder (LlamaForCausalLM, MistralForCausalLM) with parameter names, shapes and
// numerics of transformers 4.57 (docs/training-model.md). Engine-internal: exposes torch.
//
// Dimension letters: B batch, T tokens, V vocabulary, C hidden size, H query heads, KV key/value
// heads, D head size, I MLP inner size.
#pragma once

#include "training/torch_core.h"

#include <vector>

#include "training/model/linear.h"
#include "training/model/llama_attention.h"
#include "training/model/llama_decoder_layer.h"
#include "training/config/model_config.h"
#include "training/model/rms_norm.h"
#include "training/model/rotary_embedding.h"

namespace glossa {

// How parameters are created.
struct ModelInit {
  torch::Dtype dtype = torch::kFloat32;  // parameter dtype; the forward computes in it
  torch::Device device = torch::kCPU;
  // true: transformers' init (Linear/Embedding normal(0, 0.02), biases 0, norms 1, padding row
  // 0), drawn from torch's global generator. false: uninitialised memory (norms still 1), for a
  // model whose every tensor is loaded next.
  bool random = true;
};

inline constexpr double kInitializerRange = 0.02;  // transformers' initializer_range default

// "model": the decoder stack without the LM head.
class LlamaModelImpl : public torch::nn::Module {
 public:
  LlamaModelImpl(const ModelConfig& config, const torch::TensorOptions& options);

  TokenEmbedding embed_tokens{nullptr};    // (V, C)
  torch::nn::ModuleList layers{nullptr};   // LlamaDecoderLayer x L
  std::vector<LlamaDecoderLayer> decoder;  // the same layers, typed
  RmsNorm norm{nullptr};                   // (C)
};
TORCH_MODULE(LlamaModel);

class LlamaForCausalLMImpl : public torch::nn::Module {
 public:
  explicit LlamaForCausalLMImpl(const ModelConfig& config, const ModelInit& init = {});

  torch::Tensor forward(const torch::Tensor& ids);    // (B, T) int64 -> (B, T, V) logits
  torch::Tensor hidden(const torch::Tensor& ids);     // (B, T) -> (B, T, C) after the final norm
  torch::Tensor logits(const torch::Tensor& hidden);  // (B, T, C) -> (B, T, V)

  void set_attention(AttentionImpl impl) { attention_ = impl; }
  AttentionImpl attention() const { return attention_; }
  // Recompute each decoder layer in backward instead of keeping its activations (only the
  // layer inputs (B, T, C) stay in memory); see activation_checkpoint.h.
  void set_activation_checkpointing(bool on) { checkpointing_ = on; }
  bool activation_checkpointing() const { return checkpointing_; }

  const ModelConfig& config() const { return config_; }
  torch::Tensor input_embedding() const;  // (V, C) model.embed_tokens.weight (the parameter itself)
  torch::Tensor output_embedding()
      const;  // (V, C) lm_head.weight, or the input embedding when tied
  // Appends zero rows to the input and output embeddings (in place: the parameters keep their
  // identity, requires_grad and device) and sets config().vocab_size. Growing only: a smaller
  // size throws. Build optimizers after resizing.
  void resize_vocabulary(int64_t new_size);

  // Transformers' init of every parameter (see ModelInit::random).
  void reset_parameters();

  LlamaModel model{nullptr};
  Linear lm_head{nullptr};  // (V, C); null when tie_word_embeddings

 private:
  ModelConfig config_;
  RotaryEmbedding rotary_;
  AttentionImpl attention_ = AttentionImpl::kAuto;
  bool checkpointing_ = false;
};
TORCH_MODULE(LlamaForCausalLM);

}  // namespace glossa
