// A micro-batch of token ids for one rank, row-major, torch-free: the trainer wraps the vectors
// in tensors (torch::from_blob) without copying them twice.
#pragma once

#include <cstdint>
#include <vector>

namespace glossa {

struct Batch {
  int64_t B = 0;                          // rows
  int64_t T = 0;                          // positions per row (sequence length)
  std::vector<int32_t> inputs;            // (B, T) token ids fed to the model
  std::vector<int32_t> targets;           // (B, T) next-token ids: targets[b, t] = window[b][t + 1]
  std::vector<uint8_t> loss_mask;         // (B, T) 1 = the target counts, 0 = padding
  std::vector<int64_t> tokens_by_source;  // per source (config order): targets in this batch

  int64_t loss_tokens() const {  // targets that count (mask 1)
    int64_t n = 0;
    for (uint8_t m : loss_mask) n += m;
    return n;
  }
};

}  // namespace glossa
