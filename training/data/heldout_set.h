// A held-out shard read for evaluation: its documents back to back in file order (no shuffling),
// cut into fixed windows of T targets, with the UTF-8 byte count of the text from the manifest
// so the evaluator reports bits per byte = sum of target NLL (nats) / (ln 2 * bytes).
// Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "training/data/batch.h"

namespace glossa {

struct HeldoutSet {
  std::string name;     // label in metrics ("korean_heldout")
  std::string prefix;   // shard prefix read
  int64_t seq_len = 0;  // T
  int64_t windows = 0;  // rows of T targets; only the last may be partial (padded, mask 0)
  int64_t bytes = -1;   // UTF-8 bytes of the documents (manifest); -1 when unknown
  int64_t tokens = 0;   // targets scored over all windows (every document token)
  // Context token + all document ids. The context is the manifest's EOS id (what precedes every
  // other document), so that each document token, the first included, is scored once; without a
  // known EOS the first token is the context and `tokens` is one less than the shard's.
  std::vector<int32_t> stream;

  // Windows first .. first+count-1 (clamped to `windows`) as rows: window k covers
  // stream[k*T .. k*T+T]; positions past the end get pad_id and loss mask 0.
  Batch batch(int64_t first, int64_t count, int32_t pad_id = 0) const;
};

// Reads PREFIX (e.g. "shards/ko_heldout") whole. Errors as ShardDataset: missing files, empty
// shard, vocabulary beyond `model_vocab_size`.
HeldoutSet load_heldout_set(const std::string& name, const std::string& prefix, int64_t seq_len,
                            int64_t model_vocab_size);

}  // namespace glossa
