// ctest-labels: unit
// RunConfig (RUN.json): the documented example parses, strict errors name the key, values that
// cannot work are refused before anything is loaded.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "base/error.h"
#include "base/file_util.h"
#include "training/config/run_config.h"

using glossa::RunConfig;
using nlohmann::json;

namespace {

// The first ```json block of docs/run-config.md.
json documented_example() {
  QFile file(QStringLiteral(GLOSSA_TEST_PYTHON_DIR "/../../docs/run-config.md"));
  if (!file.open(QIODevice::ReadOnly)) return {};
  const QString text = QString::fromUtf8(file.readAll());
  const int begin = text.indexOf("```json\n") + 8;
  const int end = text.indexOf("```", begin);
  return json::parse(text.mid(begin, end - begin).toStdString());
}

json minimal() {
  return json::parse(R"({"run_dir": "r", "model": {"path": "m"},
    "schedule": {"stages": [{"name": "s", "trainable": ["all"], "budget_steps": 3}]},
    "data": {"sources": [{"prefix": "shards/a"}]}})");
}

void expect_error(const json& j, const QString& needle) {
  try {
    RunConfig::from_json(j, "x/RUN.json");
    QFAIL(qPrintable("accepted: " + QString::fromStdString(j.dump())));
  } catch (const glossa::Error& e) {
    QVERIFY2(QString(e.what()).contains(needle) && QString(e.what()).contains("x/RUN.json"),
             e.what());
  }
}

}  // namespace

class TestRunConfig : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void documentedExampleParsesAndRoundTrips() {
    const json example = documented_example();
    QVERIFY2(example.is_object(), "docs/run-config.md has no ```json example");
    const RunConfig c = RunConfig::from_json(example);
    QCOMPARE(c.run_dir, std::string("runs/eeve-tiny"));
    QCOMPARE(c.schedule.stages.size(), size_t(2));
    QCOMPARE(c.schedule.stages[1].grad_accum, int64_t(2));
    QCOMPARE(c.data.sources.size(), size_t(2));
    QCOMPARE(c.heldout.at(1).name, std::string("english_heldout"));
    QCOMPARE(c.checkpoint_every_steps, int64_t(100));
    QCOMPARE(c.threads, int64_t(2));
    QCOMPARE(c.effective_init(), std::string("pretrained"));
    const RunConfig back = RunConfig::from_json(c.to_json());
    QCOMPARE(back.to_json(), c.to_json());
    QCOMPARE(back.numerics_hash(), c.numerics_hash());
    QVERIFY(c.table().find("| stage 2 | all:") != std::string::npos);
  }

  void defaultsAreTheDocumentedOnes() {
    const RunConfig c = RunConfig::from_json(minimal());
    QCOMPARE(c.keep_checkpoints, int64_t(3));
    QCOMPARE(c.max_nan_skips, int64_t(10));
    QVERIFY(c.verify_frozen);
    QCOMPARE(c.device, std::string("cpu"));
    QCOMPARE(c.effective_dtype(), std::string("float32"));  // no dtype given on the CPU
    QCOMPARE(c.to_json()["dtype"].get<std::string>(), std::string("float32"));
    json cuda = minimal();
    cuda["device"] = "cuda";
    QCOMPARE(RunConfig::from_json(cuda).effective_dtype(), std::string("bf16-mixed"));  // GPU default
    QCOMPARE(c.effective_export_dir(), std::string("r/export"));
    QVERIFY(!c.resume);
  }

  void unknownKeysAndWrongTypesNameTheKey() {
    json j = minimal();
    j["chekpoint_every_steps"] = 5;
    expect_error(j, "chekpoint_every_steps");
    j = minimal();
    j["keep_checkpoints"] = "3";
    expect_error(j, "keep_checkpoints");
    j = minimal();
    j["model"]["paht"] = "m";
    expect_error(j, "paht");
    j = minimal();
    j["heldout"] = json::parse(R"([{"name": "h"}])");
    expect_error(j, "prefix");
    j = minimal();
    j["verify_frozen"] = 1;
    expect_error(j, "verify_frozen");
    j = minimal();
    j["schedule"]["stages"][0]["peek_lr"] = 1e-3;
    expect_error(j, "peek_lr");
  }

  void refusesValuesThatCannotWork() {
    json j = minimal();
    j["dtype"] = "bf16";
    QCOMPARE(RunConfig::from_json(j).dtype, std::string("bfloat16"));  // one spelling written
    j["dtype"] = "bfloat16-mixed";
    QCOMPARE(RunConfig::from_json(j).effective_dtype(), std::string("bf16-mixed"));
    j["device"] = "cuda";
    j["dtype"] = "fp32";  // an explicit choice wins over the GPU default
    QCOMPARE(RunConfig::from_json(j).effective_dtype(), std::string("float32"));
    j["dtype"] = "fp16";
    expect_error(j, "float16 is not supported for training");
    j["dtype"] = "bf32";
    expect_error(j, "dtype");
    j = minimal();
    j["keep_checkpoints"] = 0;
    expect_error(j, "keep_checkpoints");
    j = minimal();
    j.erase("run_dir");
    expect_error(j, "run_dir");
    j = minimal();
    j["model"] = json::object();
    expect_error(j, "model.path");
    j = minimal();
    j["model"]["init"] = "random";
    expect_error(j, "exclude each other");
    j["model"].erase("path");
    expect_error(j, "model.config");
    j["model"]["config"] = json::parse(R"({"vocab_size": 32, "hidden_size": 16,
      "intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
      "num_key_value_heads": 1})");
    QCOMPARE(RunConfig::from_json(j).random_init_shape().hidden_size, int64_t(16));
    j = minimal();
    j.erase("data");
    expect_error(j, "'data' is missing");
    j = minimal();
    j["device"] = "tpu";
    expect_error(j, "device");
    j = minimal();
    j["threads"] = 100000;  // would hang in thread-pool creation
    expect_error(j, "'threads' is 100000; it must be between 0 and 256");
  }

  void schedulePathLoadsThePreset() {
    json j = minimal();
    j["schedule"] = GLOSSA_TEST_PYTHON_DIR "/../../resources/presets/eeve.json";
    const RunConfig c = RunConfig::from_json(j);
    QCOMPARE(c.schedule.stages.size(), size_t(7));
    QCOMPARE(c.schedule_path, j["schedule"].get<std::string>());
    j["schedule"] = "no/such/preset.json";
    expect_error(j, "no/such/preset.json");
  }

  void relativePathsResolveAgainstTheFilesFolder() {
    QTemporaryDir dir;
    json j = minimal();
    j["tokenizer"] = {{"path", "tok"}};
    j["new_token_map"] = "tok/new_token_map.jsonl";
    j["heldout"] = {{{"name", "h"}, {"prefix", "shards/h"}}};
    j["benchmarks"] = {"bench/b.jsonl", "/abs/b.jsonl"};
    const std::string path = dir.filePath("RUN.json").toStdString();
    glossa::write_file_atomically(path, j.dump());
    const RunConfig c = RunConfig::load(path);
    const std::string base = dir.path().toStdString() + "/";
    QCOMPARE(c.run_dir, base + "r");
    QCOMPARE(c.model.path, base + "m");
    QCOMPARE(c.tokenizer_path, base + "tok");
    QCOMPARE(c.new_token_map, base + "tok/new_token_map.jsonl");
    QCOMPARE(c.data.sources[0].prefix, base + "shards/a");
    QCOMPARE(c.data.sources[0].name, std::string("a"));
    QCOMPARE(c.heldout[0].prefix, base + "shards/h");
    QCOMPARE(c.benchmarks[0], base + "bench/b.jsonl");
    QCOMPARE(c.benchmarks[1], std::string("/abs/b.jsonl"));  // absolute stays
    // From JSON alone (no file): relative to the current folder, unchanged.
    QCOMPARE(RunConfig::from_json(j).run_dir, std::string("r"));
  }

  void aPresetCanBeNamedAndShrunkInThreeLines() {
    json j = minimal();
    j["schedule"] = {{"preset", "eeve"},
                     {"all_stages", {{"budget_steps", 6}, {"seq_len", 256}}},
                     {"stages", {{"3", {{"peak_lr", 1e-3}}}}}};
    const RunConfig c = RunConfig::from_json(j);
    QCOMPARE(c.schedule.name, std::string("eeve"));
    QCOMPARE(c.schedule.stages.size(), size_t(7));
    for (const auto& s : c.schedule.stages) {
      QCOMPARE(s.budget_steps, int64_t(6));
      QCOMPARE(s.seq_len, int64_t(256));
    }
    QCOMPARE(c.schedule.stages[2].peak_lr, 1e-3);
    QCOMPARE(c.schedule.stages[3].peak_lr, 4e-5);  // the preset's value elsewhere
    QCOMPARE(c.schedule_path, std::string("built-in preset eeve"));
    j["schedule"] = "eeve";  // a name alone
    QCOMPARE(RunConfig::from_json(j).schedule.stages.size(), size_t(7));
  }

  void presetOverridesAreCheckedLikeStages() {
    json j = minimal();
    j["schedule"] = {{"preset", "eeve"}, {"all_stages", {{"budget_step", 6}}}};
    expect_error(j, "budget_step");
    j["schedule"] = {{"preset", "eeve"}, {"all_stages", {{"seq_len", 6.5}}}};
    expect_error(j, "seq_len");
    j["schedule"] = {{"preset", "eeve"}, {"stages", {{"9", {{"peak_lr", 1e-3}}}}}};
    expect_error(j, "stage '9'");
    j["schedule"] = {{"preset", "no_such_preset"}};
    expect_error(j, "eeve");  // the error lists the built-in presets
    j["schedule"] = {{"preset", "eeve"}, {"budget", 3}};
    expect_error(j, "'budget'");
  }

  void budgetTokensReplacesThePresetsSteps() {
    json j = minimal();
    j["schedule"] = {{"preset", "eeve"}, {"all_stages", {{"budget_tokens", 4096}}}};
    const RunConfig c = RunConfig::from_json(j);
    QCOMPARE(c.schedule.stages[0].budget_steps, int64_t(0));
    QCOMPARE(c.schedule.stages[0].budget_tokens, int64_t(4096));
  }
};

QTEST_GUILESS_MAIN(TestRunConfig)
#include "test_run_config.moc"
