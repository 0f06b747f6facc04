// EvalOptions and HeldoutResult as JSON (training/api/eval_api.h). Torch-free: the job layer
// reads and checks eval options without LibTorch; evaluate_model is in training/eval/.
#include "base/error.h"
#include "base/strict_json.h"
#include "training/api/eval_api.h"
#include "training/config/dtype.h"

namespace glossa {

void check_device_name(const std::string& device, const std::string& where) {
  const bool cuda = device == "cuda" || (device.rfind("cuda:", 0) == 0 && device.size() > 5 &&
                                         device.find_first_not_of("0123456789", 5) ==
                                             std::string::npos);
  if (device != "cpu" && !cuda)
    fail(where, "device '" + device + "' is not cpu, cuda or cuda:N");
}

void EvalOptions::validate() const {
  const std::string where = "eval options";
  if (batch_size < 1) fail(where, "'batch_size' must be >= 1, found " + std::to_string(batch_size));
  if (seq_len < 0) fail(where, "'seq_len' must be >= 0 (0 = the model's context)");
  if (max_tokens < 0) fail(where, "'max_tokens' must be >= 0 (0 = all)");
  if (max_length < 0) fail(where, "'max_length' must be >= 0 (0 = the model's context)");
  canonical_dtype(dtype, where + ": 'dtype'");
  check_device_name(device, where);
}

nlohmann::json EvalOptions::to_json() const {
  return {{"batch_size", batch_size},
          {"seq_len", seq_len},
          {"max_tokens", max_tokens},
          {"max_length", max_length},
          {"device", device},
          {"dtype", dtype},
          {"tokenizer_fingerprint", tokenizer_fingerprint},
          {"details", details}};
}

EvalOptions EvalOptions::from_json(const nlohmann::json& j, const std::string& where) {
  StrictJson r(j, where, "docs/evaluation.md");
  EvalOptions o;
  r.get("batch_size", o.batch_size);
  r.get("seq_len", o.seq_len);
  r.get("max_tokens", o.max_tokens);
  r.get("max_length", o.max_length);
  r.get("device", o.device);
  r.get("dtype", o.dtype);
  r.get("tokenizer_fingerprint", o.tokenizer_fingerprint);
  r.get("details", o.details);
  r.finish();
  o.dtype = canonical_dtype(o.dtype, r.at("dtype"));
  o.validate();
  return o;
}

nlohmann::json HeldoutResult::to_json() const {
  return {{"name", name},
          {"prefix", prefix},
          {"loss", loss},
          {"bpb", bpb},
          {"tokens", tokens},
          {"bytes", bytes},
          {"bytes_estimated", bytes_estimated},
          {"nll", nll},
          {"seq_len", seq_len},
          {"windows", windows},
          {"windows_total", windows_total}};
}

}  // namespace glossa
