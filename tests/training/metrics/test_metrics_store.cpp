// ctest-labels: unit
// metrics.sqlite: the writer commits one transaction per step; a reader on another connection
// sees committed steps while the writer keeps its connection (and even an open transaction);
// read_steps downsamples to at most max_points rows, the newest included.
#include <QtTest>
#include <cmath>

#include "base/error.h"
#include "base/sqlite_db.h"
#include "training/metrics/metrics_store.h"

using glossa::MetricsReader;
using glossa::MetricsWriter;
using glossa::StepRecord;

namespace {

StepRecord make_step(int64_t step) {
  StepRecord s;
  s.step = step;
  s.stage = step <= 50 ? "embeddings" : "full";
  s.tokens = step * 4096;
  s.loss = 10.0 / double(step);
  s.lr_json = {{"embeddings", 1e-4 * step}, {"body", 0.0}};
  s.grad_norm = 0.5 + step;
  s.grad_norm_json = {{"embeddings", 0.5 + step}};
  s.tokens_per_s = 1000.0 * step;
  s.mfu = 0.41;
  s.step_time_s = 1.25;
  s.peak_mem_bytes = int64_t(3) << 33;
  s.time = 1.8e9 + step;
  return s;
}

}  // namespace

class TestMetricsStore : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void readerSeesCommittedStepsWhileTheWriterIsOpen() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("metrics.sqlite").toStdString();
    MetricsWriter writer(path);
    writer.set_run("model", "TinyLlama-1.1B");
    MetricsReader reader(path);  // a second connection, as the GUI would hold
    QCOMPARE(reader.step_count(), int64_t(0));
    for (int64_t step = 1; step <= 10; ++step) writer.write_step(make_step(step));
    QCOMPARE(reader.step_count(), int64_t(10));
    const auto steps = reader.read_steps(-1, 100);
    QCOMPARE(steps.size(), size_t(10));
    const StepRecord& s = steps[6];
    QCOMPARE(s.step, int64_t(7));
    QCOMPARE(s.stage, std::string("embeddings"));
    QCOMPARE(s.tokens, int64_t(7 * 4096));
    QCOMPARE(s.loss, 10.0 / 7.0);
    QCOMPARE(s.lr_json, make_step(7).lr_json);
    QCOMPARE(s.grad_norm_json, make_step(7).grad_norm_json);
    QCOMPARE(s.peak_mem_bytes, int64_t(3) << 33);
    QCOMPARE(s.time, 1.8e9 + 7);
    QCOMPARE(reader.run().at("model"), std::string("TinyLlama-1.1B"));

    // The file is in WAL mode (what lets the reader in while the writer works).
    glossa::SqliteDb raw(path);
    glossa::SqliteStatement mode(raw, "PRAGMA journal_mode");
    QVERIFY(mode.step());
    QCOMPARE(mode.column_text(0), std::string("wal"));
    mode.reset();

    // A write transaction left open elsewhere: the reader still reads the committed snapshot
    // (no lock wait, no uncommitted row).
    {
      glossa::SqliteDb::Transaction open(raw);
      raw.exec("INSERT INTO steps(step, stage) VALUES(11, 'full')");
      QCOMPARE(reader.step_count(), int64_t(10));
      QCOMPARE(reader.read_steps(5, 100).back().step, int64_t(10));
    }  // rolled back
    writer.write_step(make_step(11));
    QCOMPARE(reader.read_steps(10, 100).size(), size_t(1));
  }

  void stepWithEvalsAndEventsIsOneTransaction() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("metrics.sqlite").toStdString();
    MetricsWriter writer(path);
    MetricsReader reader(path);
    glossa::EvalRecord e;
    e.step = 5;
    e.stage = "full";
    e.set_or_task = "korean_heldout";
    e.metric = "bits_per_byte";
    e.value = 1.234;
    e.standard_error = std::nan("");
    writer.write_step(make_step(5), {e}, {{0, 0, "checkpoint", "step-5"}});
    writer.write_event("warning", "NaN loss at step 6: skipped", 1.8e9 + 6);
    auto evals = reader.read_evals();
    QCOMPARE(evals.size(), size_t(1));
    QCOMPARE(evals[0].set_or_task, std::string("korean_heldout"));
    QCOMPARE(evals[0].value, 1.234);
    QVERIFY(std::isnan(evals[0].standard_error));  // stored as NULL
    QVERIFY(evals[0].time > 1e9);                  // 0 means "now"
    const auto events = reader.read_events();
    QCOMPARE(events.size(), size_t(2));
    QCOMPARE(events[1].kind, std::string("warning"));
    QCOMPARE(events[1].time, 1.8e9 + 6);
    QCOMPARE(reader.read_events(events[0].id).size(), size_t(1));  // incremental reading
    e.step = 6;
    writer.write_evals({e, e});
    QCOMPARE(reader.read_evals(evals[0].id).size(), size_t(2));

    // A NaN loss is stored as NULL and read back as NaN; a resumed step replaces its row.
    StepRecord nan_step = make_step(5);
    nan_step.loss = std::nan("");
    writer.write_step(nan_step);
    const auto steps = reader.read_steps();
    QCOMPARE(steps.size(), size_t(1));
    QVERIFY(std::isnan(steps[0].loss));
  }

  void downsamplingKeepsAtMostMaxPointsAndTheLast() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("metrics.sqlite").toStdString();
    MetricsWriter writer(path);
    for (int64_t step = 1; step <= 1000; ++step) writer.write_step(make_step(step));
    MetricsReader reader(path);
    for (int64_t max_points : {1, 2, 7, 37, 100, 999, 1000, 5000}) {
      for (int64_t since : {-1, 0, 500, 990}) {
        const auto rows = reader.read_steps(since, max_points);
        const int64_t n = 1000 - std::max<int64_t>(since, 0);
        QVERIFY(int64_t(rows.size()) <= max_points);
        const int64_t k = (n + max_points - 1) / max_points;  // stride: ceil(n / max_points)
        QCOMPARE(int64_t(rows.size()), (n + k - 1) / k);
        QCOMPARE(rows.back().step, int64_t(1000));
        QVERIFY(rows.front().step > since);
        for (size_t i = 1; i < rows.size(); ++i) QCOMPARE(rows[i].step - rows[i - 1].step, k);
      }
    }
    QCOMPARE(reader.read_steps(1000, 10).size(), size_t(0));
    try {
      reader.read_steps(-1, 0);
      QFAIL("max_points 0 was accepted");
    } catch (const glossa::Error& e) {
      QVERIFY2(QString(e.what()).contains("max_points"), e.what());
    }
  }

  void readerRefusesAMissingFile() {
    QTemporaryDir dir;
    try {
      MetricsReader reader(dir.filePath("nope.sqlite").toStdString());
      QFAIL("a missing metrics file was opened");
    } catch (const glossa::Error& e) {
      QVERIFY2(QString(e.what()).contains("nope.sqlite"), e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestMetricsStore)
#include "test_metrics_store.moc"
