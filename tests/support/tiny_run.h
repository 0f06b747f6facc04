// The tiny training run several tests start (glossa-train, the run supervisor, the backend): a
// 2-layer random Llama over 64 ids, shards of patterned documents and a RUN.json of two stages
// ("all", then "layers"), written into a folder the test owns.
#pragma once

#include <QTemporaryDir>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/shard_fixture.h"

namespace glossa::test {

using nlohmann::json;

// `count` documents of a few repeating patterns over ids 3..63, EOS 2.
inline Documents documents(int count, int offset) {
  Documents docs;
  for (int d = 0; d < count; ++d) {
    std::vector<int32_t> doc;
    for (int i = 0; i < 6 + (d + offset) % 7; ++i) doc.push_back(3 + (d * 7 + i * 3 + offset) % 61);
    doc.push_back(2);
    docs.push_back(doc);
  }
  return docs;
}

// RUN.json object of a 2-stage run of `steps` steps each on a 2-layer random model.
inline json run_object(const std::string& root, int64_t steps, json extra = json::object()) {
  ManifestInfo info;
  info.vocab_size = 64;
  write_shard(root + "/ko", documents(600, 0), documents(40, 5), info);
  json stage = {{"trainable", {"all"}}, {"budget_steps", steps}, {"peak_lr", 1e-2},
                {"seq_len", 32},        {"micro_batch", 2},      {"warmup_steps", 1}};
  json first = stage, second = stage;
  first["name"] = "all";
  second["name"] = "layers";
  second["trainable"] = {"layers.all"};
  const json model = {{"architectures", {"LlamaForCausalLM"}},
                      {"vocab_size", 64},
                      {"hidden_size", 32},
                      {"intermediate_size", 64},
                      {"num_hidden_layers", 2},
                      {"num_attention_heads", 4},
                      {"num_key_value_heads", 2},
                      {"max_position_embeddings", 128},
                      {"tie_word_embeddings", false}};
  json run = {{"run_dir", root + "/run"},
              {"model", {{"init", "random"}, {"config", model}}},
              {"schedule", {{"name", "test"}, {"init", "random"}, {"stages", {first, second}}}},
              {"data",
               {{"sources", {{{"name", "ko"}, {"prefix", root + "/ko"}, {"weight", 1.0}}}},
                {"seq_len", 32},
                {"seed", 3}}},
              {"heldout", {{{"name", "ko_heldout"}, {"prefix", root + "/ko_heldout"}}}},
              {"eval", {{"seq_len", 32}}},
              {"threads", 1}};
  run.update(extra);
  return run;
}

inline std::string write_run(const QTemporaryDir& dir, int64_t steps, json extra = json::object()) {
  const std::string root = dir.path().toStdString();
  const std::string path = root + "/RUN.json";
  std::ofstream(path) << run_object(root, steps, std::move(extra)).dump(2);
  return path;
}

}  // namespace glossa::test
