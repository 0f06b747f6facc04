// The jobs panel's model under QAbstractItemModelTester: rows in id order from job.list, kept
// current by job.* notifications (progress, ETA, end, error with its detail), and a job another
// client started appears as a row.
#include <QAbstractItemModelTester>
#include <QtTest>

#include "app/job_list_model.h"

using glossa::app::JobListModel;
using nlohmann::json;

namespace {

QString cell(const JobListModel& m, int64_t id, int column, int role = Qt::DisplayRole) {
  return m.data(m.index(m.row_of(id), column), role).toString();
}

}  // namespace

class TestJobListModel : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void followsTheNotifications() {
    JobListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.reset(json::array({
        {{"id", 5}, {"job", "tokenizer.train"}, {"state", "queued"}, {"progress", nullptr}},
        {{"id", 2}, {"job", "corpus.stats"}, {"state", "finished"},
         {"progress", {{"fraction", 1.0}, {"message", "scanned 2000 documents"}}}},
    }));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.row_of(2), 0);  // id order
    QCOMPARE(cell(model, 2, JobListModel::kProgress), QStringLiteral("100 %"));

    QVERIFY(!model.apply("job.state", {{"id", 5}, {"state", "running"}}));
    QVERIFY(!model.apply("job.progress", {{"id", 5}, {"fraction", 0.25}, {"eta_seconds", 95.0},
                                          {"message", "counting pass 1"}}));
    QCOMPARE(cell(model, 5, JobListModel::kState), QStringLiteral("running"));
    QCOMPARE(cell(model, 5, JobListModel::kProgress), QStringLiteral("25 %"));
    QCOMPARE(cell(model, 5, JobListModel::kEta), QStringLiteral("1 min 35 s"));
    QCOMPARE(model.data(model.index(model.row_of(5), 0), JobListModel::kFractionRole).toDouble(), 0.25);

    QVERIFY(!model.apply("job.failed", {{"id", 5}, {"state", "failed"},
                                        {"error", {{"message", "disk full"}, {"detail", "/tmp/x: No space"}}}}));
    QCOMPARE(cell(model, 5, JobListModel::kMessage), QStringLiteral("disk full"));
    QCOMPARE(cell(model, 5, JobListModel::kMessage, Qt::ToolTipRole), QStringLiteral("/tmp/x: No space"));
    QCOMPARE(cell(model, 5, JobListModel::kEta), QString());  // no time left once it ended

    // Started by another client: a row appears, and upsert fills in its name later.
    QVERIFY(model.apply("job.state", {{"id", 3}, {"state", "running"}}));
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.row_of(3), 1);
    QCOMPARE(cell(model, 3, JobListModel::kJob), QStringLiteral("job 3"));
    model.upsert({{"id", 3}, {"job", "vocab.count"}, {"state", "running"}, {"progress", nullptr}});
    QCOMPARE(cell(model, 3, JobListModel::kJob), QStringLiteral("vocab.count"));
    QVERIFY(!model.apply("job.finished", {{"id", 3}, {"result", json::object()}}));
    QCOMPARE(cell(model, 3, JobListModel::kState), QStringLiteral("finished"));
    QVERIFY(!model.apply("run.state", {{"id", 3}, {"state", "running"}}));  // not a job
    QCOMPARE(model.rowCount(), 3);
  }
};

QTEST_GUILESS_MAIN(TestJobListModel)
#include "test_job_list_model.moc"
