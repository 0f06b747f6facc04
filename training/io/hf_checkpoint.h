// Hugging Face model folders: config.json + model.safetensors (or shards with
// model.safetensors.index.json), loaded into and saved from LlamaForCausalLM. Engine-internal.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "training/model/llama_model.h"

namespace glossa {

// Reads config.json and every tensor into a new model of `dtype` on `device`. Every expected
// tensor must be present with the expected shape (errors name tensor, file, expected and found
// shape); any other tensor is an error, except known harmless ones: rotary `inv_freq` buffers,
// and lm_head.weight in a checkpoint whose config ties the embeddings (transformers ignores it).
LlamaForCausalLM load_hf_model(const std::string& dir, torch::Dtype dtype = torch::kFloat32,
                               torch::Device device = torch::kCPU);

struct HfSaveOptions {
  std::string dtype;             // "float32", "bfloat16", "float16"; "" = the parameters' dtype
  uint64_t max_shard_bytes = 0;  // bytes of tensor data per shard; 0 = one model.safetensors
};

// Writes config.json (ModelConfig::to_json with torch_dtype set) and model.safetensors or shards +
// index, each through a temporary name and a rename. Returns the file names written.
std::vector<std::string> save_hf_model(const LlamaForCausalLMImpl& model, const std::string& dir,
                                       const HfSaveOptions& options = {});
inline std::vector<std::string> save_hf_model(const LlamaForCausalLM& model, const std::string& dir,
                                              const HfSaveOptions& options = {}) {
  return save_hf_model(*model, dir, options);
}

// Copies tokenizer.model, tokenizer_config.json and special_tokens_map.json (those present;
// tokenizer.model is required) from one folder to another. Returns the names copied.
std::vector<std::string> copy_tokenizer_files(const std::string& from_dir,
                                              const std::string& to_dir);

// "float32" / "bfloat16" / "float16" (or fp32 / bf16 / fp16, training/config/dtype.h) <-> torch
// dtype; throws Error naming `where` otherwise.
torch::Dtype dtype_from_name(const std::string& name, const std::string& where);
std::string dtype_name(torch::Dtype dtype);

}  // namespace glossa
