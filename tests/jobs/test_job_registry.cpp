// The job registry (jobs/job_registry.h): every job glossa-cli runs is there under a dotted name,
// its options keys are snake_case like the CLI flags, docs/jobs.md documents every job and every
// key, and torch jobs are marked to run in glossa-worker.
#include <QFile>
#include <QRegularExpression>
#include <QtTest>
#include <set>

#include "jobs/job_registry.h"
#include "support/test_support.h"

using glossa::jobs::all_jobs;
using glossa::jobs::Isolation;

class TestJobRegistry : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void everyEngineJobIsThere() {
    std::set<std::string> names;
    for (const auto& job : all_jobs()) QVERIFY2(names.insert(job.name).second, job.name.c_str());
    for (const char* name : {"corpus.stats", "corpus.clean", "tokenizer.train",
                             "tokenizer.analyze", "vocab.count", "vocab.expand", "vocab.merge",
                             "pack", "bench.prepare", "eval", "model.generate", "model.import",
                             "model.resize"})
      QVERIFY2(names.count(name), name);
  }

  void keysAreSnakeCase() {
    const QRegularExpression snake("^[a-z][a-z0-9_]*$");
    for (const auto& job : all_jobs())
      for (const auto& o : job.options)
        QVERIFY2(snake.match(QString::fromStdString(o.key)).hasMatch(),
                 qPrintable(QString::fromStdString(job.name + ": " + o.key)));
  }

  void isolationFollowsWhatTheJobNeeds() {
    QVERIFY(glossa::jobs::find_job("tokenizer.train").isolation == Isolation::kChildProcess);
    for (const char* torch : {"eval", "model.generate", "model.import", "model.resize"})
      QVERIFY(glossa::jobs::find_job(torch).isolation == Isolation::kTorch);
    QVERIFY(glossa::jobs::find_job("vocab.count").isolation == Isolation::kInProcess);
  }

  void unknownJobListsTheNames() {
    const QString e = glossa::test::error_of([] { glossa::jobs::find_job("vocab.cout"); });
    QVERIFY2(e.contains("vocab.count") && e.contains("corpus.stats"), qPrintable(e));
  }

  void docsDescribeEveryJobAndKey() {
    QFile doc(QStringLiteral(GLOSSA_SOURCE_DIR "/docs/jobs.md"));
    QVERIFY2(doc.open(QIODevice::ReadOnly), "docs/jobs.md is missing");
    const QString text = QString::fromUtf8(doc.readAll());
    for (const auto& job : all_jobs()) {
      const QString heading = "### `" + QString::fromStdString(job.name) + "`";
      const qsizetype at = text.indexOf(heading);
      QVERIFY2(at >= 0, qPrintable("no section " + heading));
      const qsizetype next = text.indexOf("\n### ", at + 1);
      const QString section = text.mid(at, next < 0 ? -1 : next - at);
      for (const auto& o : job.options)
        QVERIFY2(section.contains("`" + QString::fromStdString(o.key) + "`"),
                 qPrintable(QString::fromStdString(job.name + " lacks key " + o.key)));
    }
  }
};

QTEST_GUILESS_MAIN(TestJobRegistry)
#include "test_job_registry.moc"
