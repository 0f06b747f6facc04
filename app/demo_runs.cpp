#include "app/demo_runs.h"

#include <QDir>

namespace glossa::app {

using nlohmann::json;

QString demo_path(const DemoProject& demo, const QString& relative) {
  return QDir(demo.directory).filePath(relative);
}

json demo_pack_options(const DemoProject& demo, const QString& name, const QString& tokenizer,
                       const QString& input) {
  return {{"tokenizer", tokenizer.toStdString()},
          {"input", {input.toStdString()}},
          {"out", demo_path(demo, QStringLiteral("shards/") + name).toStdString()},
          {"heldout", 0.05},
          {"threads", 1}};
}

json demo_base_run(const DemoProject& demo) {
  // A 0.3 M-parameter Llama: 512 ids (the base tokenizer), 4 layers of width 64.
  const json model = {{"architectures", {"LlamaForCausalLM"}}, {"vocab_size", 512},
                      {"hidden_size", 64},  {"intermediate_size", 176},
                      {"num_hidden_layers", 4}, {"num_attention_heads", 4},
                      {"num_key_value_heads", 2}, {"max_position_embeddings", 256},
                      {"bos_token_id", 1}, {"eos_token_id", 2},
                      {"tie_word_embeddings", false}};
  const json stage = {{"name", "English pretraining"}, {"trainable", {"all"}},
                      {"budget_steps", 300}, {"peak_lr", 3e-3}, {"min_lr", 3e-4},
                      {"warmup_steps", 20}, {"schedule", "cosine"}, {"seq_len", 128},
                      {"micro_batch", 16}, {"eval_every_steps", 50}};
  const std::string en = demo_path(demo, QStringLiteral("shards/en_base")).toStdString();
  return {{"run_dir", demo_path(demo, QStringLiteral("runs/base")).toStdString()},
          {"model", {{"init", "random"}, {"config", model}}},
          {"schedule", {{"name", "demo English base"}, {"init", "random"}, {"stages", {stage}}}},
          {"data", {{"sources", {{{"name", "en"}, {"prefix", en}, {"weight", 1.0}}}}, {"seed", 1}}},
          {"heldout", {{{"name", "en_heldout"}, {"prefix", en + "_heldout"}}}},
          {"eval", {{"seq_len", 128}}},
          {"seed", 1},
          {"threads", 2}};
}

namespace {
NewRunRequest demo_eeve_request_generated(const DemoProject& demo) {
  NewRunRequest r;
  r.preset = QStringLiteral("eeve");
  r.run_dir = demo_path(demo, QStringLiteral("runs/eeve"));
  r.model = demo_path(demo, QStringLiteral("runs/base/export"));
  r.tokenizer = demo_path(demo, QStringLiteral("vocab/first"));
  r.new_token_map = demo_path(demo, QStringLiteral("vocab/first/new_token_map.jsonl"));
  r.sources = {{demo_path(demo, QStringLiteral("shards/ko")), 0.8},
               {demo_path(demo, QStringLiteral("shards/en")), 0.2}};
  r.heldout = {demo_path(demo, QStringLiteral("shards/ko_heldout")),
               demo_path(demo, QStringLiteral("shards/en_heldout"))};
  // EEVE's stages as the paper orders them; shortened for a CPU and a 0.3 M model.
  r.steps_per_stage = 30;
  r.seq_len = 128;
  r.micro_batch = 8;
  r.peak_lr = 2e-3;
  r.eval_every_steps = 10;
  r.threads = 2;
  return r;
}
}  // namespace

NewRunRequest demo_eeve_request(const DemoProject& demo) {
  NewRunRequest r = demo_eeve_request_generated(demo);
  if (demo.shared_data.isEmpty()) return r;
  // stories260K (docs/walkthrough.md, section 9): its import in base/, Korean 0.9 + English 0.1.
  r.model = demo_path(demo, QStringLiteral("base"));
  r.sources = {{demo_path(demo, QStringLiteral("shards/ko")), 0.9},
               {demo_path(demo, QStringLiteral("shards/en")), 0.1}};
  r.micro_batch = 4;
  r.peak_lr = 5e-3;
  return r;
}


}  // namespace glossa::app
