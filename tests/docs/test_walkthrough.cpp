// ctest-labels: data
// docs/walkthrough.md runs: every ```sh block of the page, in order, with the real executables on a
// small sample (REVIEWS=6000, STEPS=3), so the documented flow cannot rot. Then the EEVE run it
// made is checked end to end: metrics and evaluation rows in metrics.sqlite, the Korean held-out
// loss falling, the English held-out recorded (forgetting), frozen parts bit-identical per stage
// (an independent Python check of the stage-end checkpoints), and the export reloading in
// transformers with the same greedy continuation as Glossa's.
#include <QFile>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/sqlite_db.h"
#include "support/test_support.h"

using nlohmann::json;

namespace {

constexpr int kStepsPerStage = 3;

// The ```sh blocks of a Markdown page, in order.
QString shell_blocks(const QString& markdown) {
  QString script;
  static const QRegularExpression block("```sh\\n(.*?)```",
                                        QRegularExpression::DotMatchesEverythingOption);
  for (auto it = block.globalMatch(markdown); it.hasNext();) script += it.next().captured(1);
  return script;
}

// metrics.sqlite value of a single-number query (-1 when it gives no row).
double scalar(glossa::SqliteDb& db, const char* sql) {
  glossa::SqliteStatement q(db, sql);
  return q.step() ? q.column_double(0) : -1;
}

}  // namespace

class TestWalkthrough : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString work_, output_, errors_;
  QString py_;

  QString path(const QString& name) const { return work_ + "/" + name; }

  // The run's schedule as resolved (schedule.json) and the model stage 1 starts from: the base
  // with its new rows initialised as the run does (path("initial")), made once.
  bool prepareInitialModel() {
    if (QFile::exists(path("initial/model.safetensors"))) return true;
    std::ifstream resolved(path("run/RUN.resolved.json").toStdString());
    const json schedule = json::parse(resolved).at("schedule");
    std::ofstream(path("schedule.json").toStdString()) << schedule.dump(2);
    const auto resized = glossa::test::run(
        glossa::test::program("glossa-cli"),
        {"model", "resize", "--model", path("base"), "--tokenizer", path("expanded"), "--init",
         QString::fromStdString(schedule.value("new_rows_init", std::string("eeve"))),
         "--pad-to-multiple",
         QString::number(schedule.value("pad_vocab_to_multiple", int64_t(0))), "--out",
         path("initial"), "-q"});
    if (resized.exit_code != 0) qWarning("%s", resized.err.constData());
    return resized.exit_code == 0;
  }

  // tests/python/eeve_run_check.py on run folder `run` (stages as in schedule.json).
  glossa::test::ProcessResult runCheck(const QString& run, const QStringList& extra) {
    if (!prepareInitialModel()) return {-1, false, {}, "model resize failed"};
    return glossa::test::run(py_, QStringList{glossa::test::pythonScript("eeve_run_check.py"),
                                              path(run), path("initial"), "512",
                                              path("schedule.json"),
                                              QString::number(kStepsPerStage)} +
                                      extra);
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(QFile::exists(glossa::test::program("glossa-cli")));
    QVERIFY(QFile::exists(glossa::test::program("glossa-train")));
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    GLOSSA_REQUIRE_SHARED(model, "models/stories260K/stories260K.bin");
    GLOSSA_REQUIRE_PYTHON(py);
    py_ = py;
    work_ = dir_.filePath("walk");
    QFile page(QStringLiteral(GLOSSA_SOURCE_DIR "/docs/walkthrough.md"));
    QVERIFY(page.open(QIODevice::ReadOnly));
    const QString script =
        "set -euo pipefail\ncd '" GLOSSA_SOURCE_DIR "'\n" + shell_blocks(QString::fromUtf8(page.readAll()));
    QVERIFY2(script.count("glossa-cli") >= 10, "the page lost its commands");
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("GLOSSA_BIN", QFileInfo(glossa::test::program("glossa-cli")).absolutePath());
    env.insert("DATA", glossa::test::sharedData());
    env.insert("WORK", work_);
    env.insert("REVIEWS", "6000");
    env.insert("MIN_FREQ", "40");
    env.insert("STEPS", QString::number(kStepsPerStage));
    env.insert("BENCH_DOCS", "60");
    QProcess bash;
    bash.setProcessEnvironment(env);
    bash.start("bash", {"-c", script});
    QVERIFY(bash.waitForStarted());
    QVERIFY2(bash.waitForFinished(1200000), "the walkthrough ran for over 20 minutes");
    output_ = QString::fromUtf8(bash.readAllStandardOutput());
    errors_ = QString::fromUtf8(bash.readAllStandardError());
    QVERIFY2(bash.exitStatus() == QProcess::NormalExit && bash.exitCode() == 0,
             qPrintable(errors_.right(4000)));
  }

  void summariesReadAsDocumented() {
    QVERIFY2(output_.contains("documents 6000"), qPrintable(output_.left(2000)));  // corpus stats
    QVERIFY(output_.contains("kept "));                                            // corpus clean
    QVERIFY(output_.contains("expanded 512 -> "));  // vocab expand: words, not its JSON report
    QVERIFY(output_.contains("base/tokenizer.model") &&
            output_.contains("expanded/tokenizer.model"));  // analyze labels, not full paths
    QVERIFY(output_.contains("checks passed"));             // the dry run checked everything
    QVERIFY(errors_.contains("counting pass 2 of at most"));  // which pass the progress is
    QVERIFY(output_.contains("\"state\": \"finished\""));     // glossa-train status
  }

  void expansionAddedKoreanPieces() {
    std::ifstream report(path("expanded/expansion_report.json").toStdString());
    const json expanded = json::parse(report);
    QVERIFY(expanded.at("final").at("size").get<int64_t>() > 512 + 50);
  }

  void sevenStagesTrainedAndEvaluated() {
    glossa::SqliteDb db(path("run/metrics.sqlite").toStdString());
    QCOMPARE(scalar(db, "SELECT COUNT(*) FROM steps"), 7.0 * kStepsPerStage);
    QCOMPARE(scalar(db, "SELECT COUNT(DISTINCT stage) FROM steps"), 7.0);
    QCOMPARE(scalar(db, "SELECT COUNT(*) FROM evals WHERE set_or_task = 'english_heldout' AND "
                        "metric = 'bits_per_byte'"),
             7.0);
    const double ko_first = scalar(db, "SELECT value FROM evals WHERE set_or_task = "
                                       "'korean_heldout' AND metric = 'loss' ORDER BY step LIMIT 1");
    const double ko_last = scalar(db, "SELECT value FROM evals WHERE set_or_task = "
                                      "'korean_heldout' AND metric = 'loss' ORDER BY step DESC "
                                      "LIMIT 1");
    const double train_first = scalar(db, "SELECT loss FROM steps ORDER BY step LIMIT 1");
    const double train_last = scalar(db, "SELECT AVG(loss) FROM (SELECT loss FROM steps ORDER BY "
                                         "step DESC LIMIT 3)");
    qInfo("Korean held-out loss %.4f -> %.4f; training loss %.4f -> %.4f (last 3 steps)",
          ko_first, ko_last, train_first, train_last);
    QVERIFY(ko_last < ko_first);
    QVERIFY(train_last < train_first);
  }

  void frozenPartsStayAndTheExportMatchesTransformers() {
    const auto check = runCheck("run", {});
    QVERIFY2(check.exit_code == 0, qPrintable(check.out + check.err.right(3000)));
    const json report = json::parse(check.out.toStdString());
    for (const json& stage : report.at("stages")) {
      qInfo("%s", stage.dump().c_str());
      QCOMPARE(stage.at("pieces_moved"), stage.at("pieces_trained"));
    }
    const auto gen = glossa::test::run(
        glossa::test::program("glossa-cli"),
        {"model", "generate", "--model", path("run/export"), "--prompt",
         QString::fromUtf8("영화 정말 재미있"), "--greedy", "--max-new-tokens", "12", "--json",
         "-q"});
    QVERIFY2(gen.exit_code == 0, gen.err.constData());
    const json generated = json::parse(gen.out.toStdString());
    QCOMPARE(generated.at("prompt_ids").get<std::vector<int>>(),
             report.at("prompt_ids").get<std::vector<int>>());
    QCOMPARE(generated.at("ids").get<std::vector<int>>(),
             report.at("generated_ids").get<std::vector<int>>());
  }

  // The EEVE preset trains without weight decay. The same run with decay 0.1 on every stage,
  // embeddings included, must leave every frozen tensor and frozen row bit-identical (decoupled
  // decay shrinks whole tensors unless it is masked), while the decay visibly acts on what trains:
  // stage 1's trained rows differ from the undecayed run's (same data, seed and steps).
  void weightDecayLeavesFrozenRowsAlone() {
    std::ifstream in(path("RUN.json").toStdString());
    json config = json::parse(in);
    config["run_dir"] = "run_decay";
    config["benchmarks"] = json::array();
    config["schedule"]["all_stages"]["weight_decay"] = 0.1;
    config["schedule"]["all_stages"]["decay_embeddings"] = true;
    std::ofstream(path("RUN_decay.json").toStdString()) << config.dump(2);
    const auto train =
        glossa::test::run(glossa::test::program("glossa-train"), {path("RUN_decay.json")});
    QVERIFY2(train.exit_code == 0, train.err.right(3000).constData());
    std::ifstream resolved(path("run_decay/RUN.resolved.json").toStdString());
    for (const json& stage : json::parse(resolved).at("schedule").at("stages")) {
      QCOMPARE(stage.at("weight_decay").get<double>(), 0.1);
      QVERIFY(stage.at("decay_embeddings").get<bool>());
    }
    const auto check = runCheck("run_decay", {"--other-run", path("run"), "--no-export"});
    QVERIFY2(check.exit_code == 0, qPrintable(check.out + check.err.right(3000)));
    const json report = json::parse(check.out.toStdString());
    for (const json& stage : report.at("stages")) {
      qInfo("%s", stage.dump().c_str());
      QCOMPARE(stage.at("pieces_moved"), stage.at("pieces_trained"));
    }
    const json& first = report.at("stages").at(0);
    QCOMPARE(first.at("pieces_differing_from_other"), first.at("pieces_trained"));
  }

  void controlOfAFinishedRunIsRefused() {
    const auto r = glossa::test::run(glossa::test::program("glossa-train"),
                                     {"control", path("run"), "pause"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("the run has finished"), r.err.constData());
  }
};

QTEST_GUILESS_MAIN(TestWalkthrough)
#include "test_walkthrough.moc"
