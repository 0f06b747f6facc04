// What the trainer measures besides the loss (docs/run-config.md, "Metrics"): the FLOPs behind
// MFU, peak memory per step, and evaluation results turned into metrics rows.
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "training/metrics/metrics_store.h"
#include "training/config/model_config.h"

namespace glossa {

// Training FLOPs per token (PaLM appendix B): 6·N + 12·L·H·Q·T with N the non-embedding
// parameters plus the LM head's V·C matmul.
double flops_per_token(const ModelConfig& model, int64_t seq_len);

// Starts a new peak-memory window (CUDA: the caching allocator's peak; CPU: nothing to reset).
void reset_peak_memory(c10::Device device);
// CUDA: peak bytes the caching allocator handed out since the last reset; CPU: the process's
// peak resident set size.
int64_t peak_memory_bytes(c10::Device device);

// The evaluation hook's JSON array ({"set_or_task", "metric", "value", "stderr"?}) as metrics
// rows of `stage` at `step`. Throws Error naming the malformed result.
std::vector<EvalRecord> eval_records(const nlohmann::json& results, const std::string& stage,
                                     int64_t step);

}  // namespace glossa
