// The shape of a Llama-family decoder, read from and written to a Hugging Face `config.json`
// (LlamaForCausalLM and MistralForCausalLM fields), so SOLAR, Mistral, TinyLlama, LLäMmlein and
// llama2.c shapes all load. No torch here: cheap to include anywhere.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace glossa {

struct RopeScaling {
  std::string type;     // "" = none, "linear" (positions divided by factor)
  double factor = 1.0;  // linear: position / factor
};

struct ModelConfig {
  std::string architecture = "LlamaForCausalLM";  // or MistralForCausalLM
  int64_t vocab_size = 32000;
  int64_t hidden_size = 4096;
  int64_t intermediate_size = 11008;  // SwiGLU inner width
  int64_t num_hidden_layers = 32;
  int64_t num_attention_heads = 32;
  int64_t num_key_value_heads = 32;  // < heads: grouped-query attention
  int64_t head_dim = 0;              // 0 = hidden_size / num_attention_heads
  int64_t max_position_embeddings = 4096;
  double rms_norm_eps = 1e-5;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  bool attention_bias = false;
  bool mlp_bias = false;
  int64_t sliding_window = 0;  // Mistral; 0 = none (full causal attention)
  int64_t bos_token_id = 1, eos_token_id = 2;
  int64_t pad_token_id = -1;            // -1 = none
  std::string torch_dtype = "float32";  // what the checkpoint stores: float32, float16, bfloat16

  int64_t head_size() const { return head_dim > 0 ? head_dim : hidden_size / num_attention_heads; }
  int64_t kv_groups() const { return num_attention_heads / num_key_value_heads; }
  // Parameters of the model (embeddings and head included; the head counted once when tied).
  int64_t parameter_count() const;
  // Parameters outside the embedding and LM head (the N of 6·N FLOPs per token).
  int64_t non_embedding_parameter_count() const;

  // Throws Error naming the field (and `where`, e.g. the file) when a value cannot work.
  void validate(const std::string& where = "model config") const;
  // Hugging Face config.json; unknown keys are ignored, a missing required key throws.
  static ModelConfig from_json(const nlohmann::json& json,
                               const std::string& where = "config.json");
  static ModelConfig load(const std::string& config_json_path);
  nlohmann::json to_json() const;  // what transformers 4.57 reads back to the same model
};

}  // namespace glossa
