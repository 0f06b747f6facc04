// ctest-labels: unit
// The c10d process group: collectives agree across 2 CPU processes (Gloo), a single process
// needs no network, a dead or hung rank becomes an Error instead of a hang, and the consistency
// check stops every rank when they disagree on the step.
#include <QtTest>

#include "support/dp_launch.h"
#include "base/error.h"
#include "training/distributed/consistency_check.h"
#include "training/distributed/process_group.h"

using glossa::test::launch_ranks;

class TestProcessGroup : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void collectivesAgreeAcrossTwoRanks() {
    const auto results = launch_ranks(2, {"collectives"});
    GLOSSA_VERIFY_RANKS_OK(results);
    QVERIFY(results[0].out.contains("rank 0 collectives ok (gloo)"));
    QVERIFY(results[1].out.contains("rank 1 collectives ok (gloo)"));
  }

  void singleProcessNeedsNoRendezvous() {
    glossa::RunEnvironment env;  // world size 1, no MASTER_* needed
    env.master_port = 1;         // would fail if a TCP store were started
    auto group = glossa::ProcessGroup::create(env, {"auto", 5});
    QCOMPARE(group->world_size(), 1);
    QVERIFY(group->is_main());
    torch::Tensor x = torch::tensor({1.5f, -2.0f});
    group->all_reduce_sum(x);
    QVERIFY(x.equal(torch::tensor({1.5f, -2.0f})));
    glossa::check_consistency(*group, {"s", 0, 3, 0});  // one rank always agrees
  }

  void missingRanksFailRendezvousWithAddress() {
    glossa::RunEnvironment env;
    env.rank = 1;
    env.world_size = 2;
    env.master_port = glossa::test::rendezvous_port();  // nobody serves it
    try {
      glossa::ProcessGroup::create(env, {"gloo", 1});
      QFAIL("rendezvous without rank 0 succeeded");
    } catch (const glossa::Error& e) {
      QVERIFY2(QString(e.what()).contains("could not meet") &&
                   QString(e.what()).contains(QString("127.0.0.1:%1").arg(env.master_port)),
               e.what());
    }
  }

  void unknownBackendIsRejected() {
    QVERIFY_THROWS_EXCEPTION(glossa::Error,
                             glossa::ProcessGroup::create(glossa::RunEnvironment{}, {"mpi", 5}));
  }

  void hungRankTurnsIntoTimeoutError() {
    // Rank 1 joins the all_reduce only after 9 s; rank 0 must fail after its 3 s timeout.
    const auto results = launch_ranks(2, {"hang", "--timeout", "3"}, 40000);
    QVERIFY2(results[0].finished, "rank 0 hung instead of timing out");
    QCOMPARE(results[0].exit_code, 2);
    QVERIFY2(results[0].err.contains("process group (rank 0 of 2, gloo)"), results[0].err);
  }

  void controlRequestOnOneRankReachesEveryRank() {
    const auto results = launch_ranks(2, {"control"});
    GLOSSA_VERIFY_RANKS_OK(results);
    QVERIFY(results[0].out.contains("rank 0 control ok") &&
            results[1].out.contains("rank 1 control ok"));
  }

  void disagreeingStepsStopEveryRank() {
    const auto results = launch_ranks(2, {"consistency"});
    for (int r = 0; r < 2; ++r) {
      QVERIFY(results[r].finished);
      QCOMPARE(results[r].exit_code, 2);
      QVERIFY2(results[r].err.contains("ranks disagree"), results[r].err);
      QVERIFY2(results[r].err.contains("rank 0: stage #0 'stage one', step 8") &&
                   results[r].err.contains("rank 1: stage #0 'stage one', step 7"),
               results[r].err);
    }
  }
};

QTEST_GUILESS_MAIN(TestProcessGroup)
#include "test_process_group.moc"
