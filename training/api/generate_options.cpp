// GenerateOptions and GenerateResult as JSON (training/api/generate_api.h). Torch-free;
// generate_ids is in training/eval/generate_ids.cpp.
#include <cmath>

#include "base/error.h"
#include "base/strict_json.h"
#include "training/api/eval_api.h"
#include "training/api/generate_api.h"
#include "training/config/dtype.h"

namespace glossa {

nlohmann::json GenerateOptions::to_json() const {
  return {{"max_new_tokens", max_new_tokens},
          {"greedy", greedy},
          {"temperature", temperature},
          {"top_p", top_p},
          {"seed", seed},
          {"stop_ids", stop_ids},
          {"device", device},
          {"dtype", dtype}};
}

GenerateOptions GenerateOptions::from_json(const nlohmann::json& j, const std::string& where) {
  StrictJson r(j, where, "docs/llama2c-import.md");
  GenerateOptions o;
  r.get("max_new_tokens", o.max_new_tokens);
  r.get("greedy", o.greedy);
  r.get("temperature", o.temperature);
  r.get("top_p", o.top_p);
  r.get("seed", o.seed);
  r.get("stop_ids", o.stop_ids);
  r.get("device", o.device);
  r.get("dtype", o.dtype);
  r.finish();
  o.dtype = canonical_dtype(o.dtype, r.at("dtype"));
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
  canonical_dtype(dtype, where + ": 'dtype'");
  check_device_name(device, where);
}

nlohmann::json GenerateResult::to_json() const {
  return {{"ids", ids},
          {"stop_reason", stop_reason},
          {"prompt_tokens", prompt_tokens},
          {"context_limit", context_limit},
          {"model_format", model_format},
          {"seconds", seconds},
          {"tokens_per_second", tokens_per_second}};
}

}  // namespace glossa
