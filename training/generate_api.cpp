#include "training/generate_api.h"

#include <cmath>
#include <filesystem>
#include <set>

#include "tokenizer/error.h"
#include "training/generation.h"
#include "training/hf_checkpoint.h"
#include "training/llama2c_checkpoint.h"

namespace glossa {

namespace {

using nlohmann::json;

// Reads j[key] into `out` when present; a wrong type throws Error naming the key.
template <typename T>
void read(const json& j, const std::string& key, const std::string& where, T* out) {
  if (!j.contains(key)) return;
  const json& v = j.at(key);
  bool ok = false;
  if constexpr (std::is_same_v<T, bool>)
    ok = v.is_boolean();
  else if constexpr (std::is_same_v<T, std::string>)
    ok = v.is_string();
  else if constexpr (std::is_same_v<T, double>)
    ok = v.is_number();
  else if constexpr (std::is_unsigned_v<T>)
    ok = v.is_number_unsigned();
  else if constexpr (std::is_integral_v<T>)
    ok = v.is_number_integer();
  else if constexpr (std::is_same_v<T, std::vector<int64_t>>)
    ok = v.is_array() &&
         std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_number_integer(); });
  if (!ok) fail(where, "key '" + key + "' has the wrong type (" + v.type_name() + ")");
  *out = v.get<T>();
}

}  // namespace

json GenerateOptions::to_json() const {
  return {{"max_new_tokens", max_new_tokens},
          {"greedy", greedy},
          {"temperature", temperature},
          {"top_p", top_p},
          {"seed", seed},
          {"stop_ids", stop_ids},
          {"device", device},
          {"dtype", dtype}};
}

GenerateOptions GenerateOptions::from_json(const json& j, const std::string& where) {
  if (!j.is_object()) fail(where, "expected a JSON object, found " + std::string(j.type_name()));
  static const std::set<std::string> kKeys = {"max_new_tokens", "greedy",   "temperature", "top_p",
                                              "seed",           "stop_ids", "device",      "dtype"};
  for (const auto& [key, value] : j.items())
    if (!kKeys.count(key)) fail(where, "unknown key '" + key + "'");
  GenerateOptions o;
  read(j, "max_new_tokens", where, &o.max_new_tokens);
  read(j, "greedy", where, &o.greedy);
  read(j, "temperature", where, &o.temperature);
  read(j, "top_p", where, &o.top_p);
  read(j, "seed", where, &o.seed);
  read(j, "stop_ids", where, &o.stop_ids);
  read(j, "device", where, &o.device);
  read(j, "dtype", where, &o.dtype);
  o.validate(where);
  return o;
}

void GenerateOptions::validate(const std::string& where) const {
  if (max_new_tokens < 0)
    fail(where, "'max_new_tokens' must be >= 0, found " + std::to_string(max_new_tokens));
  if (!std::isfinite(temperature) || temperature < 0)
    fail(where, "'temperature' must be a finite number >= 0, found " + std::to_string(temperature));
  if (!(top_p > 0.0 && top_p <= 1.0))
    fail(where, "'top_p' must be in (0, 1], found " + std::to_string(top_p));
  if (dtype != "float32" && dtype != "bfloat16" && dtype != "float16")
    fail(where, "'dtype' must be float32, bfloat16 or float16, found \"" + dtype + "\"");
}

json GenerateResult::to_json() const {
  return {{"ids", ids},
          {"stop_reason", stop_reason},
          {"prompt_tokens", prompt_tokens},
          {"context_limit", context_limit},
          {"model_format", model_format},
          {"seconds", seconds},
          {"tokens_per_second", tokens_per_second}};
}

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
