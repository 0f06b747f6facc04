// ctest-labels: data
// lm-evaluation-harness itself is the oracle (tests/python/harness_oracle.py runs the pinned
// lm-eval package): a model Glossa exported (`model import` of stories260K with its tokenizer),
// `bench prepare` requests compared with the requests the harness's own task definitions and
// HFLM build from the same local split files, and `glossa-cli eval` scores compared with the
// harness evaluating the same model through its `hf` model type.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <cmath>
#include <nlohmann/json.hpp>

#include "support/test_support.h"

using glossa::test::ProcessResult;
using nlohmann::json;

namespace {

ProcessResult cli(const QStringList& args) {
  return glossa::test::run(glossa::test::program("glossa-cli"), args);
}

struct Split {
  const char* task;
  const char* file;  // under the shared data
};

// The five KoBEST tasks and the two German ones (docs/benchmarks-tasks.md).
const Split kSplits[] = {
    {"kobest_boolq", "kobest/BoolQ/dev.tsv"},       {"kobest_copa", "kobest/COPA/dev.tsv"},
    {"kobest_hellaswag", "kobest/HellaSwag/dev.tsv"}, {"kobest_sentineg", "kobest/SentiNeg/dev.tsv"},
    {"kobest_wic", "kobest/WiC/dev.tsv"},           {"xnli_de", "german/xnli_de/dev.txt"},
    {"paws_de", "german/pawsx_de/dev.tsv"},
};

}  // namespace

class TestCliHarness : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString py_, model_;
  QString path(const QString& name) const { return dir_.filePath(name); }

  json oracle(const QStringList& args) {
    const ProcessResult r = glossa::test::run(
        py_, QStringList{glossa::test::pythonScript("harness_oracle.py")} + args, 900000);
    if (r.exit_code != 0) qWarning("harness_oracle.py: %s", r.err.right(3000).constData());
    return r.exit_code == 0 ? json::parse(r.out.toStdString()) : json();
  }

  // bench prepare of one split (the first `limit` documents; 0 = all); returns its data path.
  QString prepare(const Split& s, int limit) {
    const QString data = glossa::test::sharedFile(s.file);
    const QString name = QString::fromLatin1(s.task);
    QStringList args{"bench", "prepare", "--task", name, "--data", data, "--tokenizer",
                     model_ + "/tokenizer.model", "--out", path(name + ".req.jsonl"),
                     "--dump-requests", path(name + ".dump.jsonl"), "--quiet"};
    if (limit > 0) args << "--limit" << QString::number(limit);
    const ProcessResult r = cli(args);
    if (r.exit_code != 0) qWarning("bench prepare %s: %s", s.task, r.err.constData());
    return r.exit_code == 0 ? data : QString();
  }

 private Q_SLOTS:
  void initTestCase() {
    GLOSSA_REQUIRE_PYTHON(py);
    GLOSSA_REQUIRE_SHARED(stories, "models/stories260K/stories260K.bin");
    GLOSSA_REQUIRE_SHARED(tok, "models/stories260K/tok512.bin");
    for (const Split& s : kSplits)
      if (glossa::test::sharedFile(s.file).isEmpty())
        GLOSSA_MISSING(qPrintable(QString("shared data file '%1' not found").arg(s.file)));
    py_ = py;
    const ProcessResult r = cli({"model", "import", "--llama2c", stories, "--tokenizer", tok,
                                 "--out", path("model"), "--quiet"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    model_ = path("model");
  }

  // Every request of every dev split: the harness's strings, token ids and golds.
  void requestsAreTheHarnessOwn() {
    QStringList specs;
    for (const Split& s : kSplits) {
      const QString data = prepare(s, 0);
      QVERIFY(!data.isEmpty());
      specs << QString("%1=%2=%3").arg(s.task, data, path(QString(s.task) + ".dump.jsonl"));
    }
    const json out = oracle(QStringList{"requests", model_} + specs);
    QVERIFY2(out.is_object(), "harness_oracle.py failed (see the warning above)");
    for (const Split& s : kSplits) {
      const json& t = out.at(s.task);
      qInfo("%s: %d documents, %d requests, %d differ", s.task, t.at("documents").get<int>(),
            t.at("requests").get<int>(), t.at("mismatches").get<int>());
      QVERIFY(t.at("requests").get<int>() >= 2 * t.at("documents").get<int>());
      QVERIFY(t.at("documents").get<int>() >= 200);  // the smallest split: xnli_de, 250
      QVERIFY2(t.at("mismatches").get<int>() == 0, t.at("first_mismatch").dump().c_str());
    }
  }

  // acc, acc_norm, macro-F1 and their standard errors: the harness (hf model type) and
  // glossa-cli eval on the same documents of the same model.
  void scoresEqualTheHarness() {
    const int limit = 40;
    QStringList requests, specs;
    for (const Split& s : kSplits) {
      const QString task = QString::fromLatin1(s.task);
      if (task != "kobest_hellaswag" && task != "kobest_boolq" && task != "xnli_de") continue;
      const QString data = prepare(s, limit);
      QVERIFY(!data.isEmpty());
      requests << "--requests" << path(task + ".req.jsonl");
      specs << task + "=" + data;
    }
    const ProcessResult eval = cli(QStringList{"eval", "--model", model_, "--json", "--quiet"} +
                                   requests);
    QVERIFY2(eval.exit_code == 0, eval.err.constData());
    const json glossa = json::parse(eval.out.toStdString());
    const json harness = oracle(QStringList{"scores", model_, QString::number(limit)} + specs);
    QVERIFY2(harness.is_object(), "harness_oracle.py failed (see the warning above)");
    int compared = 0;
    for (const json& task : glossa.at("tasks")) {
      const std::string name = task.at("name");
      const json& ref = harness.at(name);
      for (const auto& [metric, value] : ref.items()) {
        if (value.is_null()) continue;  // the harness gives no stderr for F1
        QVERIFY2(task.contains(metric), (name + " lacks " + metric).c_str());
        const double a = task.at(metric).get<double>(), b = value.get<double>();
        qInfo("%s %s: glossa %.12g, harness %.12g", name.c_str(), metric.c_str(), a, b);
        QVERIFY2(std::abs(a - b) <= 1e-9, (name + " " + metric).c_str());
        ++compared;
      }
    }
    QVERIFY(compared >= 8);  // acc + stderr per task, acc_norm (+ stderr) and F1 where defined
  }
};

QTEST_GUILESS_MAIN(TestCliHarness)
#include "test_cli_harness.moc"
