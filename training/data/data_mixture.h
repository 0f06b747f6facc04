// The deterministic order of documents for training: which source each next document comes from
// (a seeded draw by weight) and which document of that source (a seeded permutation per source
// and epoch, with documents that contain new tokens repeated to oversample them).
// docs/training-data.md ("Order") gives the exact algorithm; it depends only on the seed, the
// shards and the config, never on the rank count or the standard library. Torch-free.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "training/config/data_config.h"
#include "base/seeded_rng.h"
#include "training/data/shard_dataset.h"

namespace glossa {

struct DocumentRef {
  int source = 0;         // index into the config's sources
  uint64_t document = 0;  // document index within that source's shard
};

// What the mixture made of one source; for the effective-configuration table and tests.
struct SourcePlan {
  std::string name;
  uint64_t documents = 0, tokens = 0;
  uint64_t new_token_documents = 0, new_token_tokens = 0;  // documents with an id >= min_id
  double factor = 1.0;          // effective oversampling factor (min_share may raise it)
  double draw_probability = 0;  // chance that the next document comes from this source
  double token_share = 0;       // expected share of training tokens (= normalised weight)
  double new_token_share = 0;   // expected share of this source's tokens in new-token documents
};

class DataMixture {
 public:
  // Sources must outlive the mixture. Scans every document once when oversampling is on.
  DataMixture(std::vector<std::shared_ptr<const ShardDataset>> sources, const DataConfig& config);

  DocumentRef next();  // draws the next document of the stream

  const std::vector<SourcePlan>& plan() const { return plan_; }
  const ShardDataset& source(int s) const { return *sources_[s]; }
  int source_count() const { return static_cast<int>(sources_.size()); }

  // {mixture_rng, sources: [{epoch, next}]}: enough to continue the same stream.
  nlohmann::json state() const;
  void restore(const nlohmann::json& state, const std::string& where);

 private:
  struct Cursor {
    uint64_t epoch = 0;
    uint64_t next = 0;               // position in `order`
    std::vector<uint32_t> order;     // this epoch's documents, repeated and shuffled
    std::vector<uint8_t> new_token;  // per document: holds an id >= min_id (empty: no oversampling)
  };
  void plan_source(int s, const DataConfig& config);
  void build_epoch(int s);

  std::vector<std::shared_ptr<const ShardDataset>> sources_;
  std::vector<SourcePlan> plan_;
  std::vector<double> cumulative_;  // cumulative draw probabilities, last = 1
  std::vector<Cursor> cursors_;
  uint64_t seed_ = 0;
  SeededRng mixture_rng_;
};

}  // namespace glossa
