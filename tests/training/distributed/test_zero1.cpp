// ctest-labels: unit
// ZeRO-1: the shard layout covers every trainable row exactly once with balanced shares; 2 CPU
// processes with sharded AdamW state end with the same parameters as 1 process with the whole
// batch (docs/distributed.md), with and without activation checkpointing, while each rank holds about
// half of the optimizer state.
#include <QtTest>
#include <map>

#include "support/dp_launch.h"
#include "base/error.h"
#include "training/distributed/bucket_layout.h"
#include "training/distributed/zero1.h"

using glossa::test::one_vs_two_ranks;

namespace {

glossa::TrainSlice train_slice(const std::string& tensor, bool whole, int64_t begin, int64_t end,
                               const std::string& group, double lr_multiplier, bool decay) {
  glossa::TrainSlice s;
  s.slice.tensor = tensor;
  s.slice.whole = whole;
  s.slice.row_begin = begin;
  s.slice.row_end = end;
  s.group = group;
  s.lr_multiplier = lr_multiplier;
  s.decay = decay;
  return s;
}

}  // namespace

class TestZero1 : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void shardsCoverEveryRowOnceBalanced() {
    glossa::NamedParams params = {{"a", torch::zeros({10, 4})},   // 40 elements
                                  {"b", torch::zeros({7})},       // 1-D: elements are rows
                                  {"e", torch::zeros({20, 3})}};  // rows 12..20 train
    glossa::FreezePlan plan;
    plan.stage = "s";
    plan.groups = {"g", "h"};
    plan.slices.push_back(train_slice("a", true, 0, 0, "g", 1, true));
    plan.slices.push_back(train_slice("b", true, 0, 0, "g", 1, false));
    plan.slices.push_back(train_slice("e", false, 12, 20, "h", 2, false));
    for (int world : {1, 2, 3, 5}) {
      for (int64_t bytes : {int64_t(1) << 20, int64_t(64)}) {  // one bucket; one per slice
        const glossa::BucketLayout layout(params, plan, world, bytes);
        std::map<std::string, std::vector<int>> owners;  // tensor -> owner count per row
        int64_t total = 0;
        for (int r = 0; r < world; ++r) {
          for (const glossa::TrainSlice& s : layout.shard_plan(r).slices) {
            const torch::Tensor& p = std::find_if(params.begin(), params.end(), [&](const auto& x) {
                                       return x.first == s.slice.tensor;
                                     })->second;
            auto& rows = owners[s.slice.tensor];
            rows.resize(p.size(0));
            const int64_t begin = s.slice.whole ? 0 : s.slice.row_begin;
            const int64_t end = s.slice.whole ? p.size(0) : s.slice.row_end;
            for (int64_t i = begin; i < end; ++i) ++rows[i];
            QCOMPARE(s.group, std::string(s.slice.tensor == "e" ? "h" : "g"));
            QCOMPARE(s.decay, s.slice.tensor == "a");
          }
          total += layout.owned_numel(r);
        }
        QCOMPARE(total, int64_t(40 + 7 + 8 * 3));
        for (int i = 0; i < 10; ++i) QCOMPARE(owners["a"][i], 1);
        for (int i = 0; i < 7; ++i) QCOMPARE(owners["b"][i], 1);
        for (int i = 0; i < 20; ++i) QCOMPARE(owners["e"][i], i >= 12 ? 1 : 0);
        if (bytes > 1000) {  // one bucket: shares differ by at most about one row (4 elements)
          for (int r = 0; r < world; ++r)
            QVERIFY2(std::abs(layout.owned_numel(r) - 71.0 / world) <= 4,
                     qPrintable(QString("world %1 rank %2 owns %3")
                                    .arg(world)
                                    .arg(r)
                                    .arg(layout.owned_numel(r))));
        }
      }
    }
  }

  void needsReduceScatterSync() {
    auto group = glossa::ProcessGroup::create(glossa::RunEnvironment{}, {"gloo", 10});
    torch::Tensor w = torch::ones({2}, torch::requires_grad());
    glossa::FreezePlan plan;
    plan.stage = "s";
    plan.groups = {"g"};
    plan.slices.push_back(train_slice("w", true, 0, 0, "g", 1, false));
    glossa::GradSync sync(group, {{"w", w}}, plan, {25, /*reduce_scatter=*/false});
    QVERIFY_THROWS_EXCEPTION(glossa::Error, glossa::Zero1Optimizer(sync, {}));
  }

  void twoRanksMatchOneProcess_data() {
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<int>("one_micro");
    QTest::addColumn<double>("tolerance");
    QTest::newRow("all") << QStringList{"--zero1", "--stage", "all"} << 1 << 1e-5;
    QTest::newRow("all, checkpointing")
        << QStringList{"--zero1", "--stage", "all", "--checkpointing"} << 1 << 1e-5;
    QTest::newRow("eeve stage 5 rows") << QStringList{"--zero1", "--stage", "eeve5"} << 1 << 1e-5;
    // bf16-mixed, float32 masters sharded with the moments. bf16 sums of different groupings
    // differ (and Adam turns a tiny gradient's sign into a whole lr step), so the reference
    // computes the ranks' halves: then the runs must agree exactly.
    QTest::newRow("all, bf16-mixed") << QStringList{"--zero1", "--stage", "all", "--mixed"} << 2 << 0.0;
    QTest::newRow("eeve stage 5 rows, bf16-mixed")
        << QStringList{"--zero1", "--stage", "eeve5", "--mixed"} << 2 << 0.0;
  }
  void twoRanksMatchOneProcess() {
    QFETCH(QStringList, extra);
    QFETCH(int, one_micro);
    QFETCH(double, tolerance);
    std::vector<glossa::test::RankResult> ranks;
    const double diff = one_vs_two_ranks(extra, &ranks, one_micro);
    QVERIFY2(diff >= 0, "a run failed (see the warning above)");
    qInfo("max |1 process - 2 processes, ZeRO-1| after 10 steps: %g", diff);
    QVERIFY2(diff <= tolerance, qPrintable(QString::number(diff)));
    // Each rank holds about half of the AdamW state, together all of it.
    const QRegularExpression state("state_numel (\\d+) full_state_numel (\\d+)");
    int64_t sum = 0, full = 0;
    for (const auto& r : ranks) {
      const auto m = state.match(QString::fromUtf8(r.out));
      QVERIFY2(m.hasMatch(), r.out);
      const int64_t mine = m.captured(1).toLongLong();
      full = m.captured(2).toLongLong();
      QVERIFY2(mine < full * 0.6, qPrintable(QString("%1 of %2").arg(mine).arg(full)));
      sum += mine;
    }
    QCOMPARE(sum, full);
    // The state streamed into a file tensor by tensor (checkpoints) equals the assembled one,
    // and held one bucket's state at a time (~4 kB buckets; a larger slice gets its own): less
    // than one of the two moments.
    const QRegularExpression streamed(
        "streamed_state_equal (\\d) gather_peak_bytes (\\d+) full_state_bytes (\\d+)");
    const auto m = streamed.match(QString::fromUtf8(ranks.front().out));
    QVERIFY2(m.hasMatch(), ranks.front().out);
    QCOMPARE(m.captured(1), QString("1"));
    const int64_t peak = m.captured(2).toLongLong(), whole = m.captured(3).toLongLong();
    qInfo("streamed optimizer state: at most %lld of %lld bytes assembled at once",
          static_cast<long long>(peak), static_cast<long long>(whole));
    QVERIFY(peak > 0);
    QVERIFY2(peak * 2 < whole, qPrintable(QString("%1 of %2").arg(peak).arg(whole)));
  }
};

QTEST_GUILESS_MAIN(TestZero1)
#include "test_zero1.moc"
