// Memory per rank of every stage of a run (memory_estimate.h), checked before any compute:
// glossa-train prints it under the configuration table (also with --dry-run) and warns about
// stages that do not fit. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "training/config/run_config.h"

namespace glossa {

struct RunMemoryCheck {
  std::string table;                    // Markdown: stage, per-rank GiB, verdict
  std::vector<std::string> not_fitting;  // "stage 'name': <verdict>" for each stage over budget
};

// The model shape comes from config.json (or the random-init shape), grown to the new-token
// map's rows (padded as the run pads). `device_bytes`: memory of one device (device_memory.h).
// Throws Error when the model config or the new-token map cannot be read.
RunMemoryCheck check_run_memory(const RunConfig& config, int64_t world_size,
                                int64_t device_bytes);

}  // namespace glossa
