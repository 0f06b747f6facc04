// Logit parity of Glossa's LlamaForCausalLM with transformers' on any device and dtype, for the
// GPU machine where no Qt Test runs (docs/gpu-node.md: "the same parity in bf16 on CUDA, record the
// tolerance you see"). For each tiny random variant (grouped-query untied, tied, linear rope
// scaling) it saves the float32 weights as a Hugging Face folder, loads them back in `--dtype` on
// `--device`, and writes the logits of fixed token ids; bench/train_parity.py then runs
// transformers from the same folder in the same dtype and device and prints the differences.
//   glossa-bench-train-parity --out DIR [--device cpu|cuda] [--dtype float32|bfloat16]
// Prints one JSON line per variant: its folder and the logits file.
#include "training/torch_core.h"

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "base/error.h"
#include "training/io/hf_checkpoint.h"
#include "training/io/safetensors.h"

namespace {

using namespace glossa;

ModelConfig variant(const std::string& name) {
  ModelConfig c;
  c.vocab_size = 61, c.hidden_size = 64, c.intermediate_size = 128, c.num_hidden_layers = 2;
  c.num_attention_heads = 4, c.num_key_value_heads = 2, c.max_position_embeddings = 64;
  c.rms_norm_eps = 1e-5;
  if (name == "tied") c.tie_word_embeddings = true;
  if (name == "rope_linear") c.rope_scaling = {"linear", 2.0};
  return c;
}

}  // namespace

int main(int argc, char** argv) try {
  std::string out, device = "cpu", dtype = "float32";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--out") out = v;
    else if (a == "--device") device = v;
    else if (a == "--dtype") dtype = v;
    else fail("arguments", "unknown option " + a);
  }
  if (out.empty() || argc % 2 == 0) fail("arguments", "usage: --out DIR [--device D] [--dtype T]");
  const torch::Dtype type = dtype_from_name(dtype, "--dtype");
  const torch::Device where(device);
  for (const std::string name : {"gqa_untied", "tied", "rope_linear"}) {
    const std::string dir = out + "/" + name;
    std::filesystem::create_directories(dir);
    torch::manual_seed(7);
    save_hf_model(LlamaForCausalLM(variant(name)), dir);  // float32, both sides cast on load
    LlamaForCausalLM model = load_hf_model(dir, type, where);
    model->eval();
    torch::NoGradGuard no_grad;
    const torch::Tensor ids = torch::randint(0, 61, {2, 24}, torch::kInt64);
    const torch::Tensor logits = model->forward(ids.to(where)).to(torch::kCPU, torch::kFloat32);
    save_safetensors(dir + "/glossa_logits.safetensors", {{"ids", ids}, {"logits", logits}});
    std::cout << nlohmann::json{{"variant", name}, {"dir", dir}, {"device", device},
                                {"dtype", dtype}}.dump()
              << std::endl;
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "glossa-bench-train-parity: " << e.what() << "\n";
  return 1;
}
