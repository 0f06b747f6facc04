#include "training/config/memory_estimate.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <utility>
#include <vector>

#include "base/error.h"
#include "training/config/freeze_plan.h"
#include "training/config/param_groups.h"

namespace glossa {

namespace {

// Bytes autograd keeps per token for one decoder layer without checkpointing (a = dtype bytes):
// two RMSNorms (input kept in float32 for the variance, plus the normalised output), q/k/v
// projections' input, rotated q and k, v, the attention output and its float32 log-sum-exp
// (SDPA's memory-efficient / flash kernels: no (T, T) matrix), the o_proj input, and the MLP's
// gate, up, silu(gate) and product (4 x I).
int64_t layer_bytes_per_token(const ModelConfig& m, int64_t a) {
  const int64_t c = m.hidden_size, d = m.head_size(), i = m.intermediate_size;
  const int64_t h = m.num_attention_heads, kv = m.num_key_value_heads;
  const int64_t norms = 2 * (4 * c + a * c);
  const int64_t attention = a * (c + h * d + 2 * kv * d + h * d) + 4 * h;
  const int64_t mlp = a * 4 * i;
  return norms + attention + mlp;
}


// Parameters, trainable elements and gradient tensors of the stage's freeze plan.
void count_elements(const ModelConfig& model, const StageConfig& stage,
                    const MemoryEstimateOptions& o, MemoryEstimate* e) {
  const std::vector<LlamaTensor> tensors = llama_tensors(model);
  std::vector<std::string> names;
  std::map<std::string, const LlamaTensor*> by_name;
  for (const LlamaTensor& t : tensors) {
    names.push_back(t.name);
    by_name[t.name] = &t;
    e->parameters += t.numel;
  }
  const int64_t base = o.base_vocab > 0 ? o.base_vocab : model.vocab_size;
  const FreezePlan plan =
      build_freeze_plan(stage, ParamGroups::build(names, model.vocab_size, base));
  for (const TrainSlice& t : plan.slices) {
    const LlamaTensor& s = *by_name.at(t.slice.tensor);
    e->trainable +=
        t.slice.whole ? s.numel : (t.slice.row_end - t.slice.row_begin) * (s.numel / s.rows);
  }
  for (const std::string& name : plan.trainable_tensors()) e->gradient_tensors += by_name.at(name)->numel;
}

// What would help a stage that does not fit.
std::vector<std::string> hints_when_too_big(const MemoryEstimate& e, const StageConfig& stage,
                                            const ModelConfig& model, int64_t a, int64_t w) {
  const int64_t owned = (e.trainable + w - 1) / w;
  std::vector<std::string> hints;
  if (!stage.zero1 && w > 1)
    hints.push_back("zero1 would save " +
                    format_memory(e.optimizer_bytes - e.optimizer_bytes / std::max<int64_t>(e.trainable, 1) * owned -
                        a * owned));
  if (!stage.activation_checkpointing)
    hints.push_back("activation checkpointing would save " +
                    format_memory(model.num_hidden_layers *
                            (e.activation_bytes_per_layer - e.checkpointed_bytes_per_layer) -
                        e.activation_bytes_per_layer));
  if (stage.micro_batch > 1)
    hints.push_back("a smaller micro_batch (more grad_accum) saves activations");
  return hints;
}

}  // namespace

std::string format_memory(int64_t bytes) {
  char buffer[32];
  const double b = static_cast<double>(bytes);
  if (std::llabs(bytes) < (1LL << 30))
    std::snprintf(buffer, sizeof(buffer), "%.1f MiB", b / (1LL << 20));
  else
    std::snprintf(buffer, sizeof(buffer), "%.1f GiB", b / (1LL << 30));
  return buffer;
}

MemoryEstimate estimate_memory(const ModelConfig& model, const StageConfig& stage,
                               const MemoryEstimateOptions& o) {
  model.validate("memory estimate");
  const std::string where = "memory estimate";
  if (o.world_size < 1 || o.dtype_bytes < 1 || o.device_bytes < 1 || stage.micro_batch < 1 ||
      stage.seq_len < 1 || !(o.usable_fraction > 0 && o.usable_fraction <= 1))
    fail(where,
         "world_size, dtype_bytes, device_bytes, micro_batch and seq_len must be > 0 and "
         "usable_fraction in (0, 1]");
  MemoryEstimate e;
  count_elements(model, stage, o, &e);
  const int64_t a = o.dtype_bytes, w = o.world_size;
  const int64_t owned = (e.trainable + w - 1) / w;  // ZeRO-1: about 1/W of the rows per rank

  e.parameter_bytes = a * e.parameters;
  e.gradient_bytes = a * e.gradient_tensors;
  e.bucket_bytes = a * (e.trainable + (stage.zero1 && w > 1 ? owned : 0));
  // Moments in the parameters' dtype, or float32 moments and a float32 master (bf16-mixed).
  e.optimizer_bytes = (o.fp32_masters ? 3 * 4 : 2 * a) * (stage.zero1 ? owned : e.trainable);
  const int64_t tokens = stage.micro_batch * stage.seq_len;
  e.activation_bytes_per_layer = layer_bytes_per_token(model, a) * tokens;
  e.checkpointed_bytes_per_layer = a * model.hidden_size * tokens;
  e.logits_bytes = (a + 4) * model.vocab_size * tokens;
  const int64_t layers = model.num_hidden_layers;
  // Checkpointing keeps every layer's input and, during backward, one layer's full set again.
  e.activation_bytes =
      e.logits_bytes + (stage.activation_checkpointing
                            ? layers * e.checkpointed_bytes_per_layer + e.activation_bytes_per_layer
                            : layers * e.activation_bytes_per_layer);
  e.total_bytes = e.parameter_bytes + e.gradient_bytes + e.bucket_bytes + e.optimizer_bytes +
                  e.activation_bytes;
  e.budget_bytes = static_cast<int64_t>(static_cast<double>(o.device_bytes) * o.usable_fraction);
  e.fits = e.total_bytes <= e.budget_bytes;
  e.verdict = std::string(e.fits ? "fits: " : "does not fit: ") + format_memory(e.total_bytes) +
              " per rank of a " + format_memory(e.budget_bytes) + " budget (" +
              std::to_string(static_cast<int>(std::lround(o.usable_fraction * 100))) + "% of " +
              format_memory(o.device_bytes) + ")";
  if (!e.fits)
    for (const std::string& h : hints_when_too_big(e, stage, model, a, w)) e.verdict += "; " + h;
  return e;
}

nlohmann::json MemoryEstimate::to_json() const {
  return {{"parameters", parameters},
          {"trainable", trainable},
          {"gradient_tensors", gradient_tensors},
          {"parameter_bytes", parameter_bytes},
          {"gradient_bytes", gradient_bytes},
          {"bucket_bytes", bucket_bytes},
          {"optimizer_bytes", optimizer_bytes},
          {"activation_bytes_per_layer", activation_bytes_per_layer},
          {"checkpointed_bytes_per_layer", checkpointed_bytes_per_layer},
          {"logits_bytes", logits_bytes},
          {"activation_bytes", activation_bytes},
          {"total_bytes", total_bytes},
          {"budget_bytes", budget_bytes},
          {"fits", fits},
          {"verdict", verdict}};
}

}  // namespace glossa
