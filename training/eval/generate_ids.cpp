#include "training/api/generate_api.h"

#include <cmath>
#include <filesystem>
#include <set>

#include "base/error.h"
#include "training/eval/generation.h"
#include "training/io/hf_checkpoint.h"
#include "training/io/llama2c_checkpoint.h"

namespace glossa {

GenerateResult generate_ids(const std::string& model_path, const std::vector<int>& prompt,
                            const GenerateOptions& options, const JobControl& job) {
  options.validate();
  const torch::Dtype dtype = dtype_from_name(options.dtype, "generate options: dtype");
  torch::Device device(torch::kCPU);
  try {
    device = torch::Device(options.device);
  } catch (const c10::Error&) {
    fail("generate options", "'device' \"" + options.device +
                                 "\" is not a torch device (cpu, "
                                 "cuda, cuda:N)");
  }
  if (device.is_cuda() && !torch::cuda::is_available())
    fail("generate options", "'device' is " + options.device + " but CUDA is not available here");
  GenerateOptions resolved = options;
  std::string format;
  LlamaForCausalLM model{nullptr};
  if (std::filesystem::is_directory(model_path)) {
    format = "hf";
    model = load_hf_model(model_path, dtype, device);
  } else if (is_llama2c_checkpoint(model_path)) {
    format = "llama2c";
    model = load_llama2c_model(model_path, dtype, device);
    // run.c ends a story at BOS: llama2.c's training data separates stories with BOS only.
    if (resolved.stop_ids.empty())
      resolved.stop_ids = {model->config().eos_token_id, model->config().bos_token_id};
  } else {
    fail(model_path,
         "is neither a Hugging Face model folder (config.json + model.safetensors) "
         "nor a legacy llama2.c checkpoint (.bin)");
  }
  model->eval();
  const std::vector<int64_t> ids(prompt.begin(), prompt.end());
  GenerateResult result = generate(*model, ids, resolved, job);
  result.model_format = format;
  return result;
}

}  // namespace glossa
