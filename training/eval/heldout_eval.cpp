#include "training/eval/heldout_eval.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "base/error.h"
#include "training/eval/eval_scoring.h"

namespace glossa {

NllSum batch_nll(LlamaForCausalLMImpl& model, const Batch& batch) {
  NllSum out;
  if (batch.B == 0) return out;
  const EvalModeGuard eval_mode(model);
  const torch::Device device = model_device(model);
  const auto i32 = torch::TensorOptions().dtype(torch::kInt32);
  // from_blob does not copy: clone through .to() before the vectors go away.
  const torch::Tensor inputs =
      torch::from_blob(const_cast<int32_t*>(batch.inputs.data()), {batch.B, batch.T}, i32)
          .to(device, torch::kInt64);  // (B, T)
  const torch::Tensor targets =
      torch::from_blob(const_cast<int32_t*>(batch.targets.data()), {batch.B * batch.T}, i32)
          .to(device, torch::kInt64);  // (B*T)
  const torch::Tensor mask = torch::from_blob(const_cast<uint8_t*>(batch.loss_mask.data()),
                                              {batch.B * batch.T}, torch::kUInt8)
                                 .to(device, torch::kBool);   // (B*T)
  const torch::Tensor positions = mask.nonzero().squeeze(1);  // (K) flat indices scored
  const torch::Tensor hidden = model.hidden(inputs);          // (B, T, C)
  const torch::Tensor logp =
      target_log_probs(model, hidden.flatten(0, 1), positions, targets.index_select(0, positions))
          .logp;                                             // (K) fp32
  out.nll = -logp.to(torch::kFloat64).sum().item<double>();  // sync point
  out.tokens = positions.size(0);
  return out;
}

HeldoutResult evaluate_heldout(LlamaForCausalLMImpl& model, const HeldoutSet& set,
                               int64_t batch_size, int64_t max_tokens, const JobControl& job) {
  const std::string where = "held-out set '" + set.name + "' (" + set.prefix + ")";
  if (set.bytes < 0)
    fail(where,
         "its manifest gives no UTF-8 byte count, so bits per byte cannot be computed; pack the "
         "corpus with glossa-cli pack (PREFIX.manifest.json with heldout.bytes)");
  if (batch_size < 1) fail(where, "batch size must be >= 1");
  HeldoutResult r;
  r.name = set.name;
  r.prefix = set.prefix;
  r.seq_len = set.seq_len;
  r.windows_total = set.windows;
  r.windows = set.windows;
  if (max_tokens > 0)
    r.windows = std::min(set.windows, (max_tokens + set.seq_len - 1) / set.seq_len);
  const EvalModeGuard eval_mode(model);
  for (int64_t first = 0; first < r.windows; first += batch_size) {
    job.check_cancelled();
    const Batch batch = set.batch(first, std::min(batch_size, r.windows - first));
    const NllSum s = batch_nll(model, batch);
    r.nll += s.nll;
    r.tokens += s.tokens;
    job.report(double(first + batch.B) / double(r.windows),
               set.name + ": " + std::to_string(first + batch.B) + "/" + std::to_string(r.windows) +
                   " windows");
  }
  if (r.tokens == 0) fail(where, "no target token to score (empty set or max_tokens too small)");
  // Bytes of the text scored: exact for the whole set, else scaled by the share of targets.
  r.bytes_estimated = r.tokens < set.tokens;
  r.bytes = r.bytes_estimated ? double(set.bytes) * double(r.tokens) / double(set.tokens)
                              : double(set.bytes);
  if (r.bytes <= 0) fail(where, "the manifest counts 0 UTF-8 bytes for this shard");
  r.loss = r.nll / double(r.tokens);
  r.bpb = r.nll / std::log(2.0) / r.bytes;
  return r;
}

}  // namespace glossa
