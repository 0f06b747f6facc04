#include "training/run/train_metrics.h"

#include <c10/cuda/CUDACachingAllocator.h>
#include <sys/resource.h>

#include <limits>

#include "base/error.h"

namespace glossa {

// Training FLOPs per token (PaLM appendix B): 6·N + 12·L·H·Q·T with N the non-embedding
// parameters plus the LM head's V·C matmul (docs/run-config.md, "Metrics").
double flops_per_token(const ModelConfig& m, int64_t seq_len) {
  const double n = static_cast<double>(m.non_embedding_parameter_count()) +
                   static_cast<double>(m.vocab_size) * static_cast<double>(m.hidden_size);
  return 6.0 * n + 12.0 * m.num_hidden_layers * m.num_attention_heads * m.head_size() *
                       static_cast<double>(seq_len);
}

void reset_peak_memory(c10::Device device) {
  if (device.is_cuda())
    c10::cuda::CUDACachingAllocator::resetPeakStats(device.index() < 0 ? 0 : device.index());
}

// CUDA: peak bytes the caching allocator handed out since the last reset; CPU: the process's
// peak resident set size.
int64_t peak_memory_bytes(c10::Device device) {
  if (device.is_cuda()) {
    const auto stats =
        c10::cuda::CUDACachingAllocator::getDeviceStats(device.index() < 0 ? 0 : device.index());
    return stats.allocated_bytes[0].peak;  // [0] = aggregate over pool kinds
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

std::vector<EvalRecord> eval_records(const nlohmann::json& results, const std::string& stage,
                                     int64_t step) {
  if (!results.is_array()) fail("evaluation hook", "must return a JSON array of results");
  std::vector<EvalRecord> out;
  const double now = unix_time_now();
  for (const auto& r : results) {
    try {
      EvalRecord e;
      e.step = step;
      e.stage = stage;
      e.set_or_task = r.at("set_or_task").get<std::string>();
      e.metric = r.at("metric").get<std::string>();
      e.value = r.at("value").is_null() ? std::numeric_limits<double>::quiet_NaN() : r.at("value").get<double>();
      e.standard_error =
          r.contains("stderr") && !r["stderr"].is_null() ? r["stderr"].get<double>() : std::numeric_limits<double>::quiet_NaN();
      e.time = now;
      out.push_back(e);
    } catch (const nlohmann::json::exception& ex) {
      fail("evaluation hook", "malformed result " + r.dump() + ": " + ex.what());
    }
  }
  return out;
}

}  // namespace glossa
