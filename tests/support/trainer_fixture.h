// A tiny training run for the trainer tests: a random 2-layer Llama (vocabulary 64, grown to 72
// by a new-token map), a repetitive token shard written with IndexedDatasetWriter, and RUN.json
// built around them. CPU fp32, one thread, a few seconds per run.
#pragma once

#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/indexed_dataset.h"
#include "training/model/llama_model.h"
#include "training/config/run_config.h"
#include "training/run/trainer.h"

namespace glossa::test {

inline constexpr int64_t kBaseVocab = 64;  // the random model's vocabulary
inline constexpr int64_t kNewTokens = 8;   // ids 64..71 added by the new-token map

inline nlohmann::json tiny_model_config() {
  return {{"vocab_size", kBaseVocab},      {"hidden_size", 16},
          {"intermediate_size", 32},       {"num_hidden_layers", 2},
          {"num_attention_heads", 2},      {"num_key_value_heads", 1},
          {"max_position_embeddings", 64}, {"tie_word_embeddings", false}};
}

inline nlohmann::json stage(const std::string& name, std::vector<std::string> trainable,
                            int64_t steps, nlohmann::json extra = nlohmann::json::object()) {
  nlohmann::json s = {{"name", name},        {"trainable", trainable}, {"budget_steps", steps},
                      {"peak_lr", 1e-2},     {"min_lr", 1e-3},         {"warmup_steps", 1},
                      {"seq_len", 16},       {"micro_batch", 2},       {"grad_accum", 1},
                      {"schedule", "cosine"}};
  s.update(extra);
  return s;
}

class TinyRun {
 public:
  // Writes the shard and the new-token map into a fresh temporary folder.
  TinyRun() : root_(dir_.path().toStdString()) {
    write_shard("train", true);
    write_shard("plain", false);  // base ids only, for a model without the new rows
    std::ofstream map(root_ + "/new_token_map.jsonl");
    for (int64_t k = 0; k < kNewTokens; ++k)
      map << nlohmann::json{{"id", kBaseVocab + k},
                            {"piece", "\u2581n" + std::to_string(k)},
                            {"base_ids", {10 + k, 20 + k}},
                            {"base_pieces", {"a" + std::to_string(k), "b" + std::to_string(k)}}}
                 .dump()
          << "\n";
  }

  // 300 repetitive documents (5 patterns of 8 ids + EOS); with_new: a new id in each.
  void write_shard(const std::string& name, bool with_new) const {
    IndexedDatasetWriter w(root_ + "/" + name, TokenDtype::kUint16);
    for (int d = 0; d < 300; ++d) {
      std::vector<int32_t> ids;
      for (int p = 0; p < 18; ++p) ids.push_back(10 + (d % 5) * 8 + p % 8);
      if (with_new) ids[3] = static_cast<int32_t>(kBaseVocab + d % kNewTokens);
      ids.push_back(2);  // EOS
      w.add_document(ids);
    }
    w.finish();
  }

  const std::string& root() const { return root_; }
  std::string run_dir(const std::string& name) const { return root_ + "/" + name; }

  // RUN.json for `stages` in run_dir/<name>; `extra` overrides top-level keys.
  nlohmann::json run_json(const std::string& name, const nlohmann::json& stages,
                          const nlohmann::json& extra = nlohmann::json::object()) const {
    nlohmann::json j = {
        {"run_dir", run_dir(name)},
        {"model", {{"init", "random"}, {"config", tiny_model_config()}}},
        {"new_token_map", root_ + "/new_token_map.jsonl"},
        {"schedule", {{"name", "tiny"}, {"new_rows_init", "eeve"}, {"stages", stages}}},
        {"data",
         {{"sources", {{{"name", "train"}, {"prefix", root_ + "/train"}}}},
          {"seq_len", 16},
          {"seed", 3u}}},
        {"seed", 5},
        {"threads", 1}};
    j.update(extra);
    return j;
  }
  RunConfig config(const std::string& name, const nlohmann::json& stages,
                   const nlohmann::json& extra = nlohmann::json::object()) const {
    return RunConfig::from_json(run_json(name, stages, extra));
  }

 private:
  QTemporaryDir dir_;
  std::string root_;
};

// Every parameter of a model, cloned (name -> tensor).
inline std::map<std::string, torch::Tensor> snapshot(LlamaForCausalLMImpl& model) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& item : model.named_parameters()) out[item.key()] = item.value().detach().clone();
  return out;
}

inline bool bit_identical(const torch::Tensor& a, const torch::Tensor& b) {
  return a.sizes() == b.sizes() && a.dtype() == b.dtype() && torch::equal(a, b);
}

// Records what the trainer reports.
struct Recorder : TrainerObserver {
  std::vector<StepRecord> steps;
  std::vector<std::pair<std::string, std::string>> events;
  std::vector<EvalRecord> evals;
  std::vector<std::string> checkpoints;
  std::function<void(const StepRecord&)> step_hook;
  std::function<void(const StageInfo&, bool start)> stage_hook;
  std::function<void(const std::string& kind)> event_hook;

  void on_step(const StepRecord& r) override {
    steps.push_back(r);
    if (step_hook) step_hook(r);
  }
  void on_stage_start(const StageInfo& s) override {
    if (stage_hook) stage_hook(s, true);
  }
  void on_stage_end(const StageInfo& s) override {
    if (stage_hook) stage_hook(s, false);
  }
  void on_eval(const std::vector<EvalRecord>& e) override {
    evals.insert(evals.end(), e.begin(), e.end());
  }
  void on_checkpoint(const std::string& dir, int64_t) override { checkpoints.push_back(dir); }
  void on_event(const std::string& kind, const std::string& message) override {
    events.emplace_back(kind, message);
    if (event_hook) event_hook(kind);
  }
  int count(const std::string& kind) const {
    int n = 0;
    for (const auto& e : events) n += e.first == kind;
    return n;
  }
};

}  // namespace glossa::test
