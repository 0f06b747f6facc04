// transformers' tensor names of a Llama model, for the torch-free training tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace glossa::test {

// Names in model order; lm_head.weight is absent when the embeddings are tied.
inline std::vector<std::string> llama_names(int64_t layers, bool tied) {
  std::vector<std::string> n = {"model.embed_tokens.weight"};
  for (int64_t i = 0; i < layers; ++i) {
    const std::string l = "model.layers." + std::to_string(i) + ".";
    for (const char* p : {"q", "k", "v", "o"}) n.push_back(l + "self_attn." + p + "_proj.weight");
    for (const char* p : {"gate", "up", "down"}) n.push_back(l + "mlp." + p + "_proj.weight");
    n.push_back(l + "input_layernorm.weight");
    n.push_back(l + "post_attention_layernorm.weight");
  }
  n.push_back("model.norm.weight");
  if (!tied) n.push_back("lm_head.weight");
  return n;
}

}  // namespace glossa::test
