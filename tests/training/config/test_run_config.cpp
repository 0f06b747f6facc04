// ctest-labels: unit
// RunConfig (RUN.json): the documented example parses, strict errors name the key, values that
// cannot work are refused before anything is loaded.
#include <QFile>
#include <QtTest>

#include "base/error.h"
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
    QCOMPARE(c.dtype, std::string("float32"));
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
    expect_error(j, "bfloat16 needs device cuda");
    j["device"] = "cuda";
    QCOMPARE(RunConfig::from_json(j).dtype, std::string("bfloat16"));  // one spelling written
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
};

QTEST_GUILESS_MAIN(TestRunConfig)
#include "test_run_config.moc"
