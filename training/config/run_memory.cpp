#include "training/config/run_memory.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "training/config/memory_estimate.h"
#include "training/config/model_config.h"
#include "base/new_token_map.h"

namespace glossa {
namespace {


}  // namespace

RunMemoryCheck check_run_memory(const RunConfig& config, int64_t world_size,
                                int64_t device_bytes) {
  ModelConfig model = config.effective_init() == "random"
                          ? config.random_init_shape()
                          : ModelConfig::load(config.model.path + "/config.json");
  const int64_t base_vocab = model.vocab_size;
  if (!config.new_token_map.empty()) {
    const std::vector<NewTokenEntry> map = read_new_token_map(config.new_token_map);
    if (!map.empty()) {
      model.vocab_size = padded_vocab_rows(std::max(base_vocab, map.back().id + 1),
                                           config.schedule.pad_vocab_to_multiple);
    }
  }
  MemoryEstimateOptions options;
  options.base_vocab = base_vocab;
  options.world_size = world_size;
  options.dtype_bytes = config.effective_dtype() == "float32" ? 4 : 2;
  options.fp32_masters = config.effective_dtype() == "bf16-mixed";
  options.device_bytes = device_bytes;
  RunMemoryCheck check;
  std::ostringstream table;
  table << "| stage | memory per rank (of " << world_size << ") | verdict |\n|---|---|---|\n";
  for (const StageConfig& stage : config.schedule.stages) {
    const MemoryEstimate e = estimate_memory(model, stage, options);
    table << "| " << stage.name << " | " << format_memory(e.total_bytes) << " | " << e.verdict << " |\n";
    if (!e.fits) check.not_fitting.push_back("stage '" + stage.name + "': " + e.verdict);
  }
  check.table = table.str();
  return check;
}

}  // namespace glossa
