// One token shard (a Megatron indexed dataset written by tokenizer/shard_packer) opened for
// training or evaluation, with what its manifest says (vocabulary, EOS, UTF-8 bytes) and the
// checks a trainer needs before any compute: files present, not empty, ids inside the model's
// vocabulary. Torch-free; thread-safe for reading.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/indexed_dataset.h"

namespace glossa {

// What PREFIX.manifest.json (docs/shards.md) says about this shard; -1 / "" when unknown (no
// manifest, e.g. shards written by Megatron-LM's own tools).
struct ShardManifest {
  bool present = false;
  std::string path;  // the manifest file read
  std::string part;  // "train" or "heldout": which of its parts this shard is
  std::string tokenizer_fingerprint;
  int64_t vocab_size = -1, bos_id = -1, eos_id = -1;
  int64_t bytes = -1;  // UTF-8 bytes of the documents' text (bits-per-byte denominator)
};

class ShardDataset {
 public:
  // Opens PREFIX.bin/.idx and its manifest: PREFIX.manifest.json (the "train" part) or, for a
  // prefix ending in "_heldout", BASE.manifest.json (the "heldout" part). Throws Error naming
  // `name` and the prefix when a file is missing, the shard holds no tokens, the manifest does
  // not describe these files, or ids can reach beyond `model_vocab_size` (the manifest's
  // vocabulary size when there is one, else the largest id found by scanning the shard).
  ShardDataset(std::string name, std::string prefix, int64_t model_vocab_size);

  const std::string& name() const { return name_; }
  const std::string& prefix() const { return prefix_; }
  const ShardManifest& manifest() const { return manifest_; }
  uint64_t documents() const { return reader_->documents(); }
  uint64_t tokens() const { return reader_->tokens(); }

  int64_t document_length(uint64_t j) const;  // tokens of document j (all its sequences)
  void read_document(uint64_t j, std::vector<int32_t>* ids) const;

  // For every document, 1 when it holds an id >= min_id. Reads every token once.
  std::vector<uint8_t> documents_with_ids_from(int64_t min_id) const;

 private:
  void read_manifest();
  void check_vocabulary(int64_t model_vocab_size) const;

  std::string name_, prefix_;
  std::unique_ptr<IndexedDatasetReader> reader_;
  ShardManifest manifest_;
};

}  // namespace glossa
