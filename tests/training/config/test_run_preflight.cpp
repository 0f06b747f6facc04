// The checks of a run before any compute (training/config/run_preflight.h), what
// `glossa-train --dry-run` runs: a schedule the real run would reject (seq_len beyond the model's
// positions), a shard with ids beyond the resized vocabulary, a new-token map of another model,
// and a run that passes, with the model's shape after the resize.
#include <QTemporaryDir>
#include <QtTest>

#include "base/error.h"
#include "base/file_util.h"
#include "base/new_token_map.h"
#include "support/shard_fixture.h"
#include "support/test_support.h"
#include "training/config/param_groups.h"
#include "training/config/run_preflight.h"

using glossa::RunConfig;
using nlohmann::json;

namespace {

json model_config(int64_t vocab, int64_t positions) {
  return {{"architectures", {"LlamaForCausalLM"}}, {"vocab_size", vocab}, {"hidden_size", 8},
          {"intermediate_size", 16}, {"num_hidden_layers", 2}, {"num_attention_heads", 2},
          {"max_position_embeddings", positions}, {"tie_word_embeddings", false}};
}

}  // namespace

class TestRunPreflight : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string path(const std::string& name) const { return dir_.filePath(QString::fromStdString(name)).toStdString(); }

  // RUN.json of a pretrained model of 40 tokens and 64 positions, extended to 44 tokens.
  json run() const {
    return {{"run_dir", path("run")},
            {"model", {{"path", path("model")}}},
            {"new_token_map", path("new_token_map.jsonl")},
            {"schedule", {{"preset", "eeve"},
                          {"all_stages", {{"budget_steps", 2}, {"seq_len", 32}, {"warmup_steps", 1}}}}},
            {"data", {{"sources", {{{"prefix", path("shards/ko")}}}}, {"seq_len", 32}}}};
  }

 private Q_SLOTS:
  void initTestCase() {
    QDir().mkpath(QString::fromStdString(path("model")));
    QDir().mkpath(QString::fromStdString(path("shards")));
    glossa::write_file_atomically(path("model/config.json"), model_config(40, 64).dump());
    std::vector<glossa::NewTokenEntry> map;
    for (int64_t id = 40; id < 44; ++id) map.push_back({id, "p" + std::to_string(id), {3}, {"p"}});
    glossa::write_new_token_map(path("new_token_map.jsonl"), map);
    glossa::test::ManifestInfo info;
    info.vocab_size = 44;
    glossa::test::write_shard(path("shards/ko"), {{1, 5, 43, 2}, {1, 41, 7, 2}}, {}, info);
  }

  void aRunThatFitsPassesWithTheResizedShape() {
    const glossa::RunPreflight p = glossa::preflight_run(RunConfig::from_json(run()), 1);
    QCOMPARE(p.base_vocab, int64_t(40));
    QCOMPARE(p.model.vocab_size, int64_t(44));
  }

  void aSeqLenBeyondTheModelsPositionsIsFoundBeforeCompute() {
    json j = run();
    j["schedule"]["all_stages"]["seq_len"] = 4096;  // the EEVE preset's own value
    const QString e = glossa::test::error_of(
        [&] { glossa::preflight_run(RunConfig::from_json(j), 1); });
    QVERIFY2(e.contains("max_position_embeddings 64") && e.contains("7 problem(s)"),
             qPrintable(e));
  }

  void idsBeyondTheVocabularyNameTheShard() {
    glossa::test::ManifestInfo info;
    info.vocab_size = 60;
    glossa::test::write_shard(path("shards/big"), {{1, 55, 2}}, {}, info);
    json j = run();
    j["data"]["sources"] = {{{"prefix", path("shards/big")}}};
    const QString e = glossa::test::error_of(
        [&] { glossa::preflight_run(RunConfig::from_json(j), 1); });
    QVERIFY2(e.contains("shards/big"), qPrintable(e));
  }

  void aMapOfAnotherModelIsRefused() {
    glossa::write_file_atomically(path("other_map.jsonl"),
                                  R"({"id":20,"piece":"x","base_ids":[3],"base_pieces":["p"]})");
    json j = run();
    j["new_token_map"] = path("other_map.jsonl");
    const QString e = glossa::test::error_of(
        [&] { glossa::preflight_run(RunConfig::from_json(j), 1); });
    QVERIFY2(e.contains("inside the model's vocabulary"), qPrintable(e));
  }

  void parameterNamesFollowTheConfig() {
    glossa::ModelConfig c = glossa::ModelConfig::from_json(model_config(40, 64));
    auto names = glossa::llama_parameter_names(c);
    QCOMPARE(names.size(), size_t(1 + 2 * 9 + 1 + 1));
    QCOMPARE(QString::fromStdString(names.back()), QString("lm_head.weight"));
    c.tie_word_embeddings = true;
    c.attention_bias = true;
    names = glossa::llama_parameter_names(c);
    QCOMPARE(QString::fromStdString(names.back()), QString("model.norm.weight"));
    QCOMPARE(QString::fromStdString(names[2]), QString("model.layers.0.self_attn.q_proj.bias"));
  }
};

QTEST_GUILESS_MAIN(TestRunPreflight)
#include "test_run_preflight.moc"
