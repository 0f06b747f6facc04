// ctest-labels: unit
// Bucketed gradient all-reduce: 2 CPU processes with half the batch each end with the same
// parameters as 1 process with the whole batch (docs/distributed.md), with and without activation
// checkpointing, for whole tensors and for row slices of the embeddings; buckets start during
// backward; misuse (a second synchronised backward without finish) is an error.
#include <QtTest>

#include "support/dp_launch.h"
#include "base/error.h"
#include "training/distributed/grad_sync.h"

using glossa::test::one_vs_two_ranks;

namespace {

glossa::FreezePlan whole_tensor_plan(const std::string& tensor) {
  glossa::TrainSlice slice;
  slice.slice.tensor = tensor;
  slice.group = "g";
  glossa::FreezePlan plan;
  plan.stage = "s";
  plan.groups = {"g"};
  plan.slices.push_back(slice);
  return plan;
}

}  // namespace

class TestGradSync : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void twoRanksMatchOneProcess_data() {
    QTest::addColumn<QStringList>("extra");
    QTest::newRow("all") << QStringList{"--stage", "all"};
    QTest::newRow("all, checkpointing") << QStringList{"--stage", "all", "--checkpointing"};
    QTest::newRow("eeve stage 5 rows") << QStringList{"--stage", "eeve5"};
  }
  void twoRanksMatchOneProcess() {
    QFETCH(QStringList, extra);
    std::vector<glossa::test::RankResult> ranks;
    const double diff = one_vs_two_ranks(extra, &ranks);
    QVERIFY2(diff >= 0, "a run failed (see the warning above)");
    qInfo("max |1 process - 2 processes| after 10 steps: %g", diff);
    QVERIFY2(diff <= 1e-5, qPrintable(QString::number(diff)));
    // Overlap: with 4 KB buckets every bucket is started by a hook, during backward.
    const QRegularExpression stats("launched_in_backward (\\d+) launched_in_finish (\\d+)");
    const auto m = stats.match(QString::fromUtf8(ranks[0].out));
    QVERIFY2(m.hasMatch(), ranks[0].out);
    QVERIFY(m.captured(1).toInt() > 10);
    QCOMPARE(m.captured(2).toInt(), 0);
  }

  void secondSyncedBackwardWithoutFinishIsAnError() {
    auto group = glossa::ProcessGroup::create(glossa::RunEnvironment{}, {"gloo", 10});
    torch::Tensor w = torch::ones({3, 2}, torch::requires_grad());
    const glossa::FreezePlan plan = whole_tensor_plan("w");
    glossa::GradSync sync(group, {{"w", w}}, plan);
    (w * 2).sum().backward();
    QVERIFY_THROWS_EXCEPTION(std::exception, (w * 3).sum().backward());
    sync.finish();
    sync.prepare(false);  // accumulation micro-batch: hooks stay quiet
    (w * 3).sum().backward();
    QVERIFY(w.grad().equal(torch::full({3, 2}, 8.0f)));  // 2 + 3 + 3 (the failed one counted)
  }

  void hookIsRemovedWithTheSync() {
    auto group = glossa::ProcessGroup::create(glossa::RunEnvironment{}, {"gloo", 10});
    torch::Tensor w = torch::ones({2}, torch::requires_grad());
    const glossa::FreezePlan plan = whole_tensor_plan("w");
    { glossa::GradSync first(group, {{"w", w}}, plan); }
    glossa::GradSync second(group, {{"w", w}}, plan);  // would throw if the hook were left
    QVERIFY_THROWS_EXCEPTION(glossa::Error, glossa::GradSync(group, {{"w", w}}, plan));
  }
};

QTEST_GUILESS_MAIN(TestGradSync)
#include "test_grad_sync.moc"
