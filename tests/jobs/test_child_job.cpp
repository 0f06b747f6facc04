// ctest-labels: unit data
// Jobs in child processes (jobs/child_job.h), driven from several threads of one process as the
// backend daemon will: a SentencePiece training job and an eval job (LibTorch) run at the same
// time in glossa-worker and give what they give alone; a cancelled training job stops its child
// and leaves no partial output; a child's error comes back with its message.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "base/error.h"
#include "jobs/job_registry.h"
#include "support/test_support.h"

using glossa::JobControl;
using glossa::JobProgress;
using glossa::jobs::find_job;
using glossa::jobs::run_job;
using nlohmann::json;

namespace {

// `copies` times the file's lines, each prefixed with its copy number so no two are equal.
void writeRepeated(const QString& from, const QString& to, int copies) {
  QFile in(from), out(to);
  QVERIFY(in.open(QIODevice::ReadOnly) && out.open(QIODevice::WriteOnly));
  const QList<QByteArray> lines = in.readAll().split('\n');
  for (int c = 0; c < copies; ++c)
    for (const QByteArray& line : lines)
      if (!line.trimmed().isEmpty()) out.write(QByteArray::number(c) + " " + line + "\n");
}

QStringList filesStartingWith(const QString& dir, const QString& prefix) {
  QStringList found;
  for (const QString& name : QDir(dir).entryList(QDir::Files | QDir::Hidden))
    if (name.contains(prefix)) found << name;
  return found;
}

}  // namespace

class TestChildJob : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString shakespeare_, model_, heldout_;
  QString path(const QString& name) const { return dir_.filePath(name); }

  json evalOptions() const {
    return {{"model", model_.toStdString()},
            {"held_out", {heldout_.toStdString()}},
            {"seq_len", 128}};
  }

 private Q_SLOTS:
  void initTestCase() {
    const QString worker = glossa::test::program("glossa-worker");
    QVERIFY2(QFile::exists(worker), "glossa-worker is not built");
    qputenv("GLOSSA_WORKER", worker.toUtf8());
    GLOSSA_REQUIRE_SHARED(shakespeare, "english/tinyshakespeare.txt");
    GLOSSA_REQUIRE_SHARED(stories, "models/stories260K/stories260K.bin");
    GLOSSA_REQUIRE_SHARED(tok512, "models/stories260K/tok512.bin");
    GLOSSA_REQUIRE_SHARED(sample, "english/tinystories_sample.txt");
    shakespeare_ = shakespeare;
    model_ = path("stories260K");
    heldout_ = path("stories_heldout");
    const JobControl quiet;
    run_job(find_job("model.import"),
            {{"llama2c", stories.toStdString()}, {"tokenizer", tok512.toStdString()},
             {"out", model_.toStdString()}},
            quiet);
    run_job(find_job("pack"),
            {{"tokenizer", tok512.toStdString()}, {"input", {sample.toStdString()}},
             {"out", heldout_.toStdString()}},
            quiet);
  }

  void trainingAndEvalRunTogetherFromThreads() {
    const json train_options = {{"input", {shakespeare_.toStdString()}},
                                {"vocab_size", 300},
                                {"out", path("together").toStdString()}};
    const json alone = run_job(find_job("eval"), evalOptions(), JobControl());
    json trained, evaluated;
    std::string train_error, eval_error;
    std::atomic<int> progress_events{0};
    const JobControl counting([&](const JobProgress&) { ++progress_events; });
    std::thread train([&] {
      try {
        trained = run_job(find_job("tokenizer.train"), train_options, counting);
      } catch (const std::exception& e) {
        train_error = e.what();
      }
    });
    std::thread eval([&] {
      try {
        evaluated = run_job(find_job("eval"), evalOptions(), JobControl());
      } catch (const std::exception& e) {
        eval_error = e.what();
      }
    });
    train.join();
    eval.join();
    QVERIFY2(train_error.empty(), train_error.c_str());
    QVERIFY2(eval_error.empty(), eval_error.c_str());
    QCOMPARE(trained["vocab_size"].get<int>(), 300);
    QVERIFY(QFile::exists(path("together.model")) && QFile::exists(path("together.vocab")));
    QVERIFY(progress_events > 0);  // the child's progress reached this process
    const json& h = evaluated["heldout"][0];
    QVERIFY(std::isfinite(h["loss"].get<double>()) && h["loss"].get<double>() > 0);
    // Deterministic: the same loss as the eval run alone, bit for bit.
    QCOMPARE(h["loss"].get<double>(), alone["heldout"][0]["loss"].get<double>());
    QCOMPARE(h["tokens"].get<int64_t>(), alone["heldout"][0]["tokens"].get<int64_t>());
  }

  void cancelledTrainingLeavesNothingBehind() {
    const QString big = path("big.txt");
    writeRepeated(shakespeare_, big, 12);  // ~13 MB: training takes many seconds
    std::atomic<bool> started{false};
    const JobControl control([&](const JobProgress& p) {
      if (p.fraction > 0) started = true;
    });
    std::string outcome;
    const auto begin = std::chrono::steady_clock::now();
    std::thread train([&] {
      try {
        run_job(find_job("tokenizer.train"),
                {{"input", {big.toStdString()}},
                 {"vocab_size", 8000},
                 {"out", path("cancelled").toStdString()}},
                control);
        outcome = "finished";
      } catch (const glossa::CancelledError&) {
        outcome = "cancelled";
      } catch (const std::exception& e) {
        outcome = e.what();
      }
    });
    while (!started && std::chrono::steady_clock::now() - begin < std::chrono::seconds(60))
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    QVERIFY2(started, "the training job reported no progress within a minute");
    const auto cancelled_at = std::chrono::steady_clock::now();
    control.cancel();
    train.join();
    const double stop_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - cancelled_at).count();
    QCOMPARE(QString::fromStdString(outcome), QString("cancelled"));
    QVERIFY2(stop_seconds < 5, qPrintable(QString("took %1 s to stop").arg(stop_seconds)));
    QVERIFY2(filesStartingWith(dir_.path(), "cancelled").isEmpty(),
             qPrintable(filesStartingWith(dir_.path(), "cancelled").join(", ")));
  }

  void childErrorsNameWhatIsWrong() {
    QDir().mkpath(path("empty_model"));
    const json options = {{"model", path("empty_model").toStdString()},
                          {"held_out", {heldout_.toStdString()}}};
    const QString message = glossa::test::error_of(
        [&] { run_job(find_job("eval"), options, JobControl()); });
    QVERIFY2(message.contains("config.json"), qPrintable(message));
  }

  void optionsAreCheckedBeforeAProcessStarts() {
    json options = evalOptions();
    options["batch_size"] = 4;  // misspelt: the key is "batch"
    const QString message = glossa::test::error_of(
        [&] { run_job(find_job("eval"), options, JobControl()); });
    QVERIFY2(message.contains("unknown key 'batch_size'") && message.contains("docs/jobs.md"),
             qPrintable(message));
    options = evalOptions();
    options["seq_len"] = 128.5;
    const QString wrong_type = glossa::test::error_of(
        [&] { run_job(find_job("eval"), options, JobControl()); });
    QVERIFY2(wrong_type.contains("seq_len") && wrong_type.contains("integer"),
             qPrintable(wrong_type));
  }
};

QTEST_GUILESS_MAIN(TestChildJob)
#include "test_child_job.moc"
