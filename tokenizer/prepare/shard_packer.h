// Packing a corpus into token shards: every document is encoded once with the final tokenizer and
// written to a Megatron indexed dataset (indexed_dataset.h), optionally split into a training and
// a held-out part, with a manifest that records what was packed and how (docs/shards.md).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenizer/corpus/document_source.h"
#include "base/indexed_dataset.h"
#include "base/job_control.h"
#include "tokenizer/spm/sp_processor.h"

namespace glossa {

struct PackOptions {
  std::string
      output_prefix;       // writes PREFIX.bin/.idx, PREFIX_heldout.bin/.idx, PREFIX.manifest.json
  bool append_eos = true;  // append the tokenizer's EOS id after each document
  bool prepend_bos = false;       // put the BOS id before each document
  double heldout_fraction = 0.0;  // share of documents kept apart, in [0, 1); 0 = no held-out files
  uint64_t seed = 0;              // enters the held-out hash: another seed picks other documents
  int threads = 0;                // encoder threads (plus one reader thread); 0 = all cores
  int min_tokens = 1;             // drop documents with fewer tokens (counted before BOS/EOS)

  nlohmann::json to_json() const;
  // Strict (docs/shards.md): unknown keys and values of the wrong type or out of range throw
  // Error naming `where` and the key.
  static PackOptions from_json(const nlohmann::json& json,
                               const std::string& where = "pack options");
};

// Counts of one part (train, held-out, dropped) of one source or of the whole corpus.
struct PackCounts {
  uint64_t documents = 0;
  uint64_t tokens = 0;  // ids written, BOS/EOS included (0 for dropped documents)
  uint64_t bytes = 0;   // UTF-8 bytes of the documents' text (for bits per byte)
  void add(const PackCounts& other);
  nlohmann::json to_json() const;
};

struct PackSourceCounts {
  std::string source;  // Document::source, usually the file path
  PackCounts train, heldout, dropped;
};

struct PackReport {
  std::string tokenizer_path;         // SpProcessor::origin()
  std::string tokenizer_fingerprint;  // SpModel::fingerprint() (SHA-256 hex)
  int vocab_size = 0;
  TokenDtype dtype = TokenDtype::kUint16;
  int bos_id = -1, eos_id = -1;              // -1: the model has none
  std::string train_prefix, heldout_prefix;  // heldout_prefix empty when heldout_fraction == 0
  std::vector<PackSourceCounts> sources;     // in order of first appearance
  PackCounts train, heldout, dropped;        // totals over the sources
  std::string created;                       // UTC, ISO 8601
  PackOptions options;

  // The manifest (docs/shards.md); PREFIX.manifest.json holds exactly this.
  nlohmann::json to_json() const;
};

// Which documents are held out: SHA-256 of (seed as 8 bytes little endian ‖ text); the first 8
// bytes of the digest read big endian, shifted right by 11, divided by 2^53 give u in [0, 1);
// held out when u < fraction. Depends on nothing but seed and text, so reruns and other tools
// (a Python line, docs/shards.md) pick the same documents.
bool is_heldout(uint64_t seed, std::string_view text, double fraction);

// Encodes every document of `source` (in input order, encoding on options.threads threads) and
// writes the shards and the manifest. All files are written under temporary names and renamed at
// the end: cancellation or an error leaves no new output files (earlier files under the prefix
// stay untouched). Throws Error (bad options, unwritable prefix, full disk) or CancelledError.
PackReport pack_corpus(const SpProcessor& tokenizer, DocumentSource& source,
                       const PackOptions& options, const JobControl& job);

}  // namespace glossa
