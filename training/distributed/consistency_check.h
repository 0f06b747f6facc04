// Every rank checks that it holds the same stage and step as the others before training goes
// on (docs/distributed.md): a rank resumed from another checkpoint, or one that skipped a stage,
// would otherwise average gradients of different models silently. Engine-internal (torch).
#pragma once

#include <cstdint>
#include <string>

#include "training/distributed/process_group.h"

namespace glossa {

// What must agree across ranks. Small: it travels by one all-gather of 12 int64.
struct RunFingerprint {
  std::string stage;         // stage name (the first 64 bytes are compared and reported)
  int64_t stage_index = 0;   // position in the schedule
  int64_t step = 0;          // optimizer steps done in the run
  uint64_t config_hash = 0;  // hash of the numerics-relevant config (0 when unused)
};

// All-gathers every rank's fingerprint; when any differs from rank 0's, throws Error on EVERY
// rank listing each rank's stage, step and hash, so that all ranks stop with the same message
// instead of hanging in the next collective. A collective: every rank must call it.
void check_consistency(ProcessGroup& group, const RunFingerprint& mine);

}  // namespace glossa
