// ctest-labels: unit
// parse_run_environment reads rank and world size from torchrun's or SLURM's variables (given as
// a map here) and refuses inconsistent or non-numeric values naming the variable.
#include <QtTest>
#include <map>

#include "base/error.h"
#include "training/config/run_environment.h"

using glossa::RunEnvironment;

namespace {

using Env = std::map<std::string, std::string>;

RunEnvironment parse(const Env& env) {
  return glossa::parse_run_environment([&](const std::string& name) -> std::optional<std::string> {
    const auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  });
}

QString error_of(const Env& env) {
  try {
    parse(env);
  } catch (const glossa::Error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

class TestRunEnvironment : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void noVariablesMeanOneProcess() {
    const RunEnvironment e = parse({{"PATH", "/usr/bin"}});
    QCOMPARE(e.launcher, std::string("single"));
    QCOMPARE(e.rank, 0);
    QCOMPARE(e.world_size, 1);
    QCOMPARE(e.master_addr, std::string("127.0.0.1"));
    QCOMPARE(e.master_port, 29500);
    QVERIFY(!e.distributed());
    QVERIFY(e.is_main());
  }

  void readsTorchrun() {
    const RunEnvironment e = parse({{"RANK", "5"},
                                    {"LOCAL_RANK", "1"},
                                    {"WORLD_SIZE", "8"},
                                    {"LOCAL_WORLD_SIZE", "4"},
                                    {"MASTER_ADDR", "node-a"},
                                    {"MASTER_PORT", "29611"},
                                    {"SLURM_PROCID", "0"}});  // torchrun inside SLURM wins
    QCOMPARE(e.launcher, std::string("torchrun"));
    QCOMPARE(e.rank, 5);
    QCOMPARE(e.local_rank, 1);
    QCOMPARE(e.world_size, 8);
    QCOMPARE(e.local_world_size, 4);
    QCOMPARE(e.master_addr, std::string("node-a"));
    QCOMPARE(e.master_port, 29611);
    QVERIFY(e.distributed() && !e.is_main());
    QCOMPARE(e.to_json()["rank"].get<int>(), 5);
  }

  void readsSlurmWithTheFirstHostAsMaster() {
    const RunEnvironment e = parse({{"SLURM_PROCID", "6"},
                                    {"SLURM_LOCALID", "2"},
                                    {"SLURM_NTASKS", "8"},
                                    {"SLURM_TASKS_PER_NODE", "4(x2)"},
                                    {"SLURM_NODELIST", "gpu[01-04,07]"}});
    QCOMPARE(e.launcher, std::string("slurm"));
    QCOMPARE(e.rank, 6);
    QCOMPARE(e.local_rank, 2);
    QCOMPARE(e.world_size, 8);
    QCOMPARE(e.local_world_size, 4);
    QCOMPARE(e.master_addr, std::string("gpu01"));
    QCOMPARE(e.master_port, 29500);
    const RunEnvironment o = parse({{"SLURM_PROCID", "0"},
                                    {"SLURM_NTASKS", "2"},
                                    {"SLURM_JOB_NODELIST", "n7"},
                                    {"MASTER_ADDR", "10.0.0.9"},
                                    {"MASTER_PORT", "12345"}});
    QCOMPARE(o.master_addr, std::string("10.0.0.9"));  // explicit MASTER_ADDR wins
    QCOMPARE(o.master_port, 12345);
    QCOMPARE(o.local_world_size, 2);  // no tasks-per-node: all on one node
  }

  void firstHostOfNodeLists() {
    QCOMPARE(glossa::first_slurm_host("gpu[01-04,07]"), std::string("gpu01"));
    QCOMPARE(glossa::first_slurm_host("gpu[07,01-04]"), std::string("gpu07"));
    QCOMPARE(glossa::first_slurm_host("node12"), std::string("node12"));
    QCOMPARE(glossa::first_slurm_host("a1,b[2-3]"), std::string("a1"));
    QCOMPARE(glossa::first_slurm_host("n[3-4]-ib,m1"), std::string("n3-ib"));
    QCOMPARE(glossa::first_slurm_host("rack[2-3]-n[009-010]"), std::string("rack2-n009"));
    for (const char* bad : {"", "gpu[01-04", "gpu]", "gpu[]", "gpu[x-y]"}) {
      try {
        glossa::first_slurm_host(bad);
        QFAIL(qPrintable(QString("accepted '%1'").arg(bad)));
      } catch (const glossa::Error& e) {
        QVERIFY2(QString(e.what()).contains("SLURM_NODELIST"), e.what());
      }
    }
  }

  void refusesInconsistentOrNonNumericValuesNamingTheVariable() {
    QString e = error_of({{"RANK", "4"}, {"WORLD_SIZE", "4"}});
    QVERIFY2(e.contains("RANK=4") && e.contains("WORLD_SIZE=4"), qPrintable(e));
    e = error_of({{"RANK", "one"}, {"WORLD_SIZE", "4"}});
    QVERIFY2(e.contains("RANK='one'") && e.contains("not an integer"), qPrintable(e));
    e = error_of({{"RANK", "1"}, {"WORLD_SIZE", "4x"}});
    QVERIFY2(e.contains("WORLD_SIZE"), qPrintable(e));
    e = error_of({{"RANK", "1"}});
    QVERIFY2(e.contains("WORLD_SIZE is not set"), qPrintable(e));
    e = error_of(
        {{"RANK", "1"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "2"}, {"LOCAL_WORLD_SIZE", "2"}});
    QVERIFY2(e.contains("LOCAL_RANK=2"), qPrintable(e));
    e = error_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"LOCAL_WORLD_SIZE", "4"}});
    QVERIFY2(e.contains("LOCAL_WORLD_SIZE=4"), qPrintable(e));
    e = error_of({{"RANK", "0"}, {"WORLD_SIZE", "0"}});
    QVERIFY2(e.contains("WORLD_SIZE=0"), qPrintable(e));
    e = error_of({{"MASTER_PORT", "70000"}});
    QVERIFY2(e.contains("MASTER_PORT"), qPrintable(e));
    e = error_of({{"SLURM_PROCID", "3"}, {"SLURM_NTASKS", "2"}});
    QVERIFY2(e.contains("SLURM_PROCID=3"), qPrintable(e));
    e = error_of({{"SLURM_PROCID", "-1"}, {"SLURM_NTASKS", "2"}});
    QVERIFY2(e.contains("SLURM_PROCID"), qPrintable(e));
  }
};

QTEST_GUILESS_MAIN(TestRunEnvironment)
#include "test_run_environment.moc"
