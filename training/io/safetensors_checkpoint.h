// The tensors of a Hugging Face model folder: `model.safetensors`, or shards listed by
// `model.safetensors.index.json` ({"metadata": {"total_size": N}, "weight_map": {name: file}}).
// Engine-internal: exposes torch::Tensor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "training/io/safetensors.h"

namespace glossa {

inline constexpr const char* kSafetensorsFile = "model.safetensors";
inline constexpr const char* kSafetensorsIndexFile = "model.safetensors.index.json";

class SafetensorsCheckpoint {
 public:
  // Opens the index (when present) and every shard it names, or model.safetensors. Throws Error
  // naming the file: missing shard, invalid index, tensor listed in the index but absent from its
  // shard, tensor in a shard that the index does not list.
  explicit SafetensorsCheckpoint(const std::string& dir);

  const std::string& dir() const { return dir_; }
  bool sharded() const { return sharded_; }
  std::vector<std::string> names() const;  // sorted
  bool contains(const std::string& name) const { return where_.count(name) > 0; }
  const SafetensorsEntry& entry(const std::string& name) const;
  const std::string& file_of(const std::string& name) const;  // path of the holding file
  torch::Tensor tensor(const std::string& name,
                       std::optional<torch::Dtype> dtype = std::nullopt) const;

 private:
  const SafetensorsReader& reader_of(const std::string& name) const;

  std::string dir_;
  bool sharded_ = false;
  std::vector<std::unique_ptr<SafetensorsReader>> readers_;
  std::map<std::string, size_t> where_;  // tensor name -> index into readers_
};

struct ShardedSaveResult {
  std::vector<std::string> files;  // file names written (relative to the folder)
  uint64_t total_bytes = 0;        // tensor bytes (the index's total_size)
};

// Writes `tensors` to `dir` as model.safetensors when they fit in `max_shard_bytes` (0 = no
// limit), else as model-0000i-of-0000n.safetensors (tensors kept in the given order, a new shard
// started when the next tensor would pass the limit) plus model.safetensors.index.json. Every
// file goes to a temporary name first; once all are in place, stale model*.safetensors files
// and a stale index from an earlier save are removed.
ShardedSaveResult save_safetensors_checkpoint(const std::string& dir, const NamedTensors& tensors,
                                              uint64_t max_shard_bytes);

}  // namespace glossa
