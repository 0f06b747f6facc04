#include "training/api/model_import_api.h"

#include "training/torch_core.h"

#include "base/error.h"
#include "training/io/hf_checkpoint.h"
#include "training/io/llama2c_checkpoint.h"
#include "training/model/llama_model.h"

namespace glossa {
namespace {

// The same weights with a separate output embedding: every tensor copied by name, lm_head
// initialised from the (tied) input embedding, so the logits are unchanged.
LlamaForCausalLM untied_copy(const LlamaForCausalLM& tied) {
  ModelConfig config = tied->config();
  config.tie_word_embeddings = false;
  LlamaForCausalLM untied(config, ModelInit{torch::kFloat32, torch::kCPU, /*random=*/false});
  torch::NoGradGuard no_grad;
  const auto source = tied->named_parameters();
  for (auto& p : untied->named_parameters()) {
    const std::string& name = p.key();
    const torch::Tensor* from = source.find(name == "lm_head.weight" ? "model.embed_tokens.weight"
                                                                      : name);
    if (!from) fail("import_llama2c_to_hf", "no tensor for " + name + " in the tied model");
    p.value().copy_(*from);
  }
  return untied;
}

}  // namespace

ImportedModel import_llama2c_to_hf(const std::string& bin, const std::string& out_dir, bool untie) {
  LlamaForCausalLM model = load_llama2c_model(bin);
  if (untie && model->config().tie_word_embeddings) model = untied_copy(model);
  ImportedModel result;
  result.files = save_hf_model(model, out_dir, HfSaveOptions{});
  result.config = model->config();
  return result;
}

}  // namespace glossa
