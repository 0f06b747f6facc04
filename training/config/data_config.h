// What a training stage reads: token shards mixed by weight, packed into windows of seq_len + 1
// tokens, in an order fixed by the seed, optionally oversampling documents that contain new
// (added-vocabulary) tokens. docs/training-data.md documents the JSON. Torch-free.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace glossa {

struct DataSource {
  std::string name;     // label in metrics and logs (e.g. "korean"); unique within a config
  std::string prefix;   // shard path prefix: PREFIX.bin, PREFIX.idx, PREFIX.manifest.json
  double weight = 1.0;  // share of training TOKENS (normalised over sources); must be > 0
};

struct OversampleConfig {
  bool enabled = false;  // true when the JSON has an "oversample_new_tokens" object
  int64_t min_id = 0;    // first new id (e.g. 32000 for Llama 2 + added pieces)
  double factor = 1.0;   // documents with any id >= min_id are drawn factor times as often (>= 1)
  // 0 = off. Otherwise the factor of a source is raised until documents with new tokens make at
  // least this share (in [0, 1)) of the tokens drawn from that source.
  double min_share = 0.0;
};

struct DataConfig {
  std::vector<DataSource> sources;  // at least one
  int64_t seq_len = 2048;           // T: tokens per row (a window holds T + 1 tokens)
  uint64_t seed = 0;                // fixes the whole order (mixture draws and shuffles)
  OversampleConfig oversample_new_tokens;
  // Id written where a row has no target (only the last window of a held-out set); the loss
  // mask is 0 there, so any id below the vocabulary size works.
  int32_t pad_id = 0;

  // Throws Error naming `where` and the field for values that cannot work.
  void validate(const std::string& where = "data config") const;
  // Unknown keys and wrong types throw Error naming the key.
  static DataConfig from_json(const nlohmann::json& json, const std::string& where = "data config");
  nlohmann::json to_json() const;
};

}  // namespace glossa
