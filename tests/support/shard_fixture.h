// Small token shards and manifests written inside a test (tokenizer/shard_packer's layout,
// docs/shards.md), for the data loader tests.
#pragma once

#include <QTemporaryDir>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/indexed_dataset.h"

namespace glossa::test {

using Documents = std::vector<std::vector<int32_t>>;

struct ManifestInfo {
  int64_t vocab_size = 40000, bos_id = 1, eos_id = 2;
  std::string fingerprint = "f00d";
  int64_t train_bytes = 1000, heldout_bytes = 100;
};

inline void write_documents(const std::string& prefix, const Documents& docs, int64_t vocab) {
  IndexedDatasetWriter w(prefix, dtype_for_vocab(vocab));
  for (const auto& d : docs) w.add_document(d);
  w.finish();
}

inline int64_t count_tokens(const Documents& docs) {
  int64_t n = 0;
  for (const auto& d : docs) n += static_cast<int64_t>(d.size());
  return n;
}

// PREFIX.bin/.idx (+ PREFIX_heldout.* when `heldout` is not empty) and PREFIX.manifest.json.
inline void write_shard(const std::string& prefix, const Documents& train,
                        const Documents& heldout = {}, const ManifestInfo& info = {}) {
  write_documents(prefix, train, info.vocab_size);
  nlohmann::json m = {{"format", "glossa-token-shards"},
                      {"version", 1},
                      {"tokenizer",
                       {{"vocab_size", info.vocab_size},
                        {"bos_id", info.bos_id},
                        {"eos_id", info.eos_id},
                        {"fingerprint", info.fingerprint},
                        {"path", "test.model"}}},
                      {"train",
                       {{"prefix", prefix},
                        {"documents", train.size()},
                        {"tokens", count_tokens(train)},
                        {"bytes", info.train_bytes}}},
                      {"heldout", nullptr}};
  if (!heldout.empty()) {
    write_documents(prefix + "_heldout", heldout, info.vocab_size);
    m["heldout"] = {{"prefix", prefix + "_heldout"},
                    {"documents", heldout.size()},
                    {"tokens", count_tokens(heldout)},
                    {"bytes", info.heldout_bytes}};
  }
  std::ofstream(prefix + ".manifest.json") << m.dump(2);
}

// `count` documents whose ids encode (tag, document, position) so that tests can tell them
// apart: lengths vary from 1 to 12 and each ends with EOS (2), as the packer writes them.
inline Documents tagged_documents(int tag, int count, int32_t new_id_every = 0) {
  Documents docs;
  for (int d = 0; d < count; ++d) {
    const int length = 1 + (d * 7 + tag * 3) % 12;
    std::vector<int32_t> ids;
    for (int p = 0; p + 1 < length; ++p) ids.push_back(100 + tag * 5000 + (d * 13 + p) % 4000);
    if (new_id_every > 0 && d % new_id_every == 0 && !ids.empty()) ids[0] = 32000 + d % 50;
    ids.push_back(2);
    docs.push_back(ids);
  }
  return docs;
}

}  // namespace glossa::test
