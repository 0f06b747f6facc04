// Training batches from a DataMixture: documents are packed back to back into one endless token
// stream (the shards already hold the EOS separators); window k holds stream tokens
// [k*T, k*T + T] (T + 1 tokens), so consecutive windows share one token and every token is a
// target exactly once. Never pads. A global batch of B*W rows is windows c .. c+B*W-1; rank r
// of W takes rows r, r+W, r+2W, ... (the rows a single process taking B*W would give it), and
// every rank walks the whole stream, so the position (state()) is the same on every rank and
// independent of W. Torch-free.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "training/data/batch.h"
#include "training/config/data_config.h"
#include "training/data/data_mixture.h"

namespace glossa {

class BatchSampler {
 public:
  // Opens every source (errors name the source: missing files, empty shard, vocabulary larger
  // than `model_vocab_size`, sources packed with different tokenizers). 0 <= rank < world_size.
  BatchSampler(const DataConfig& config, int64_t model_vocab_size, int rank = 0,
               int world_size = 1);

  // B = micro_batch rows of T = config.seq_len for this rank; consumes micro_batch * world_size
  // windows of the global stream.
  Batch next_batch(int64_t micro_batch);

  // The position as JSON (docs/training-data.md, "Resume"): restore() into a fresh sampler of
  // the same sources, seed and oversampling continues with exactly the batches this one would
  // give next. seq_len, micro-batch, rank and world size may differ.
  nlohmann::json state() const;
  void restore(const nlohmann::json& state);

  const DataMixture& mixture() const { return *mixture_; }
  const DataConfig& config() const { return config_; }
  int64_t windows() const { return windows_; }              // global windows consumed
  int64_t stream_tokens() const { return stream_tokens_; }  // global tokens consumed
  // Tokens consumed from each source so far (global stream, all ranks' rows).
  const std::vector<int64_t>& consumed_by_source() const { return consumed_by_source_; }

 private:
  void draw_document();  // makes the next document of the mixture current
  // Consumes n tokens; copies them (and their source) when `ids` is not null.
  void consume(int64_t n, int32_t* ids, int* sources);
  nlohmann::json identity() const;  // what a restored state must match

  DataConfig config_;
  int rank_, world_size_;
  std::unique_ptr<DataMixture> mixture_;
  // The current document: always has a token left at `offset_` (drawn eagerly), so the state
  // is the same whether a rank read or skipped the last window.
  DocumentRef current_;
  int64_t length_ = 0, offset_ = 0;
  std::vector<int32_t> tokens_;  // ids of the current document when loaded (skips do not load)
  bool loaded_ = false;
  int64_t windows_ = 0, stream_tokens_ = 0;
  std::vector<int64_t> consumed_by_source_;
};

}  // namespace glossa
