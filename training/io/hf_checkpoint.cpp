#include "training/io/hf_checkpoint.h"

#include <filesystem>

#include "base/error.h"
#include "training/config/dtype.h"
#include "base/file_util.h"
#include "training/io/finite_check.h"
#include "training/io/safetensors_checkpoint.h"

namespace fs = std::filesystem;

namespace glossa {

namespace {

bool harmless_extra(const std::string& name, const ModelConfig& config) {
  if (name.size() >= 8 && name.compare(name.size() - 8, 8, "inv_freq") == 0) return true;
  return name == "lm_head.weight" && config.tie_word_embeddings;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  return c10::str(c10::IntArrayRef(shape));
}

}  // namespace

torch::Dtype dtype_from_name(const std::string& name, const std::string& where) {
  const std::string canonical = canonical_dtype(name, where);  // fp32 / bf16 / fp16 too
  if (canonical == "bfloat16") return torch::kBFloat16;
  if (canonical == "float16") return torch::kFloat16;
  return torch::kFloat32;
}

std::string dtype_name(torch::Dtype dtype) {
  if (dtype == torch::kFloat32) return "float32";
  if (dtype == torch::kBFloat16) return "bfloat16";
  if (dtype == torch::kFloat16) return "float16";
  fail("dtype_name", std::string("no Hugging Face name for dtype ") + c10::toString(dtype));
}

LlamaForCausalLM load_hf_model(const std::string& dir, torch::Dtype dtype, torch::Device device) {
  const ModelConfig config = ModelConfig::load((fs::path(dir) / "config.json").string());
  const SafetensorsCheckpoint checkpoint(dir);
  LlamaForCausalLM model(config, ModelInit{dtype, device, /*random=*/false});
  torch::NoGradGuard no_grad;
  const auto params = model->named_parameters();
  for (const auto& named : params) {
    const std::string& name = named.key();
    if (!checkpoint.contains(name))
      fail(dir,
           "tensor \"" + name + "\" of shape " + c10::str(named.value().sizes()) +
               " is missing from the checkpoint (config.json describes a model that needs it)");
    const SafetensorsEntry& e = checkpoint.entry(name);
    if (c10::IntArrayRef(e.shape) != named.value().sizes())
      fail(checkpoint.file_of(name), "tensor \"" + name + "\" has shape " + shape_text(e.shape) +
                                         ", expected " + c10::str(named.value().sizes()) +
                                         " from config.json");
    const torch::Tensor value = checkpoint.tensor(name);
    require_finite(value, name, checkpoint.file_of(name));
    named.value().copy_(value);  // converts dtype and moves to the device
  }
  for (const auto& name : checkpoint.names())
    if (!params.contains(name) && !harmless_extra(name, config))
      fail(checkpoint.file_of(name), "unexpected tensor \"" + name + "\": " + config.architecture +
                                         " with this config.json has no such parameter");
  return model;
}

std::vector<std::string> save_hf_model(const LlamaForCausalLMImpl& model, const std::string& dir,
                                       const HfSaveOptions& options) {
  const auto params = model.named_parameters();
  if (params.is_empty()) fail(dir, "the model has no parameters");
  const torch::Dtype dtype = options.dtype.empty()
                                 ? params[0].value().scalar_type()
                                 : dtype_from_name(options.dtype, "HfSaveOptions.dtype");
  NamedTensors tensors;
  for (const auto& named : params) {
    // A model with NaN/inf weights is refused on load (finite_check.h): never write one.
    require_finite(named.value().detach(), named.key(), dir);
    tensors.emplace_back(named.key(), named.value().detach().to(torch::kCPU, dtype));
  }
  fs::create_directories(dir);
  ModelConfig config = model.config();
  config.torch_dtype = dtype_name(dtype);
  auto result = save_safetensors_checkpoint(dir, tensors, options.max_shard_bytes);
  write_file_atomically((fs::path(dir) / "config.json").string(), config.to_json().dump(2) + "\n");
  result.files.push_back("config.json");
  return result.files;
}

std::vector<std::string> copy_tokenizer_files(const std::string& from_dir,
                                              const std::string& to_dir) {
  std::vector<std::string> copied;
  fs::create_directories(to_dir);
  for (const char* name : {"tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"}) {
    const fs::path from = fs::path(from_dir) / name;
    if (!fs::exists(from)) {
      if (std::string(name) == "tokenizer.model")
        fail(from_dir, "no tokenizer.model to copy (the SentencePiece model of this checkpoint)");
      continue;
    }
    write_file_atomically((fs::path(to_dir) / name).string(), read_file(from.string()));
    copied.push_back(name);
  }
  return copied;
}

}  // namespace glossa
