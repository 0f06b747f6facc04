// ctest-labels: unit
// glossa-train as a user runs it: the real executable on a tiny random model and token shards
// written here, driven through its control channel (pause, checkpoint, stop), signals, resume,
// and bad input.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <chrono>
#include <cmath>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "training/metrics/train_control.h"
#include "support/test_support.h"
#include "support/shard_fixture.h"
#include "support/tiny_run.h"

using namespace glossa;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using test::documents;
using test::write_run;

const QString kTrain = QStringLiteral(GLOSSA_BIN_DIR "/glossa-train");


json status_of(const std::string& run_dir) {
  try {
    return read_status(run_dir).value_or(json::object());
  } catch (const std::exception&) {
    return json::object();  // never half-written (atomic rename), but be tolerant
  }
}

// Polls status.json up to 60 s until `done` holds.
bool wait_status(const std::string& run_dir, const std::function<bool(const json&)>& done) {
  for (int i = 0; i < 600; ++i) {
    if (done(status_of(run_dir))) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

int64_t step_of(const json& s) { return s.value("global_step", int64_t(-1)); }
std::string state_of(const json& s) { return s.value("state", std::string()); }

int run_control(const std::string& run_dir, const QString& command) {
  QProcess p;
  p.start(kTrain, {"control", QString::fromStdString(run_dir), command});
  p.waitForFinished(30000);
  return p.exitCode();
}

// Starts glossa-train `args` as ranks 0 and 1 of a 2-process Gloo group (torchrun's variables,
// a free port); collectives time out after `timeout_s`.
std::vector<std::unique_ptr<QProcess>> start_two_ranks_on(int port_number, const QStringList& args,
                                                          int timeout_s) {
  const QString port = QString::number(port_number);
  std::vector<std::unique_ptr<QProcess>> ranks;
  for (int r = 0; r < 2; ++r) {
    auto p = std::make_unique<QProcess>();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("RANK", QString::number(r));
    env.insert("LOCAL_RANK", QString::number(r));
    env.insert("WORLD_SIZE", "2");
    env.insert("LOCAL_WORLD_SIZE", "2");
    env.insert("MASTER_ADDR", "127.0.0.1");
    env.insert("MASTER_PORT", port);
    env.insert("GLOSSA_DP_TIMEOUT_S", QString::number(timeout_s));
    p->setProcessEnvironment(env);
    p->setStandardOutputFile(QProcess::nullDevice());  // see write_stdout_to
    p->start(kTrain, args);
    ranks.push_back(std::move(p));
  }
  return ranks;
}

// True when `p` has ended within `ms` (or had already ended: QProcess::waitForFinished returns
// false for a process that is no longer running).
bool ended(QProcess& p, int ms) { return p.state() == QProcess::NotRunning || p.waitForFinished(ms); }

// On a rendezvous port (test_support.h). Rank 0 binds it within its first seconds; when another
// process took it meanwhile, rank 0 exits at once naming EADDRINUSE: both are started again on a
// new port (at most 3 times). A healthy start costs the 3 s of that check.
std::vector<std::unique_ptr<QProcess>> start_two_ranks(const QStringList& args, int timeout_s) {
  for (int attempt = 0;; ++attempt) {
    auto ranks = start_two_ranks_on(test::rendezvous_port(), args, timeout_s);
    if (attempt == 2 || !ranks[0]->waitForFinished(3000)) return ranks;
    ranks[0]->setReadChannel(QProcess::StandardError);
    if (!test::port_was_taken(ranks[0]->peek(1 << 20))) return ranks;  // a real failure: report it
    qWarning("rendezvous port taken meanwhile; starting both ranks again");
    ranks[1]->kill();
    ranks[1]->waitForFinished(5000);
  }
}

// A test that polls status.json runs no event loop, so nothing drains the pipe of glossa-train's
// step lines: once the 64 KiB pipe is full the trainer blocks in write() (a fast tiny model
// fills it in seconds). Such tests send its standard output to a file instead.
void write_stdout_to(QProcess& p, const QTemporaryDir& dir) {
  p.setStandardOutputFile(dir.filePath("glossa-train.stdout"));
}

// Largest absolute difference between two runs' exported tensors (run_dir/export), or NaN
// when the comparison fails.
double max_export_diff(const QString& py, const QString& run_a, const QString& run_b) {
  const QString script =
      "import sys\nfrom safetensors.torch import load_file\n"
      "a=load_file(sys.argv[1]); b=load_file(sys.argv[2])\n"
      "assert a.keys() == b.keys()\n"
      "print(max((a[k]-b[k]).abs().max().item() for k in a))\n";
  const auto diff = test::run(
      py, {"-c", script, run_a + "/export/model.safetensors", run_b + "/export/model.safetensors"});
  if (diff.exit_code != 0) {
    qWarning("%s", diff.err.constData());
    return std::nan("");
  }
  return diff.out.trimmed().toDouble();
}

}  // namespace

class TestGlossaTrain : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    // Registered only with the training engine (tests/CMakeLists.txt): the program must exist.
    QVERIFY2(QFile::exists(kTrain), "glossa-train was not built");
  }

  void finishesWritesMetricsEvaluationsAndExport() {
    QTemporaryDir dir;
    const std::string config = write_run(dir, 6);
    QProcess p;
    p.start(kTrain, {QString::fromStdString(config)});
    QVERIFY(p.waitForFinished(120000));
    const QString out = p.readAllStandardOutput();
    QVERIFY2(p.exitCode() == 0, qPrintable(p.readAllStandardError()));
    QVERIFY(out.contains("| stage 1 | all: 6 steps"));  // the effective configuration table
    QVERIFY(out.contains("step 12 [layers] loss"));
    QVERIFY(out.contains("eval step 6 ko_heldout bits_per_byte"));
    const std::string run = dir.path().toStdString() + "/run";
    const json s = status_of(run);
    QCOMPARE(QString::fromStdString(state_of(s)), QString("finished"));
    QCOMPARE(step_of(s), int64_t(12));
    QVERIFY(QFile::exists(QString::fromStdString(run + "/export/model.safetensors")));
    QVERIFY(QFile::exists(QString::fromStdString(run + "/metrics.sqlite")));
  }

  void pauseCheckpointStopAndResume() {
    QTemporaryDir dir;
    const std::string config = write_run(dir, 100000);  // long enough to be controlled
    const std::string run = dir.path().toStdString() + "/run";
    QProcess p;
    write_stdout_to(p, dir);
    p.start(kTrain, {QString::fromStdString(config)});
    QVERIFY(wait_status(run, [](const json& s) { return step_of(s) >= 3; }));

    QCOMPARE(run_control(run, "pause"), 0);
    QVERIFY(wait_status(run, [](const json& s) { return s.contains("paused_at_step"); }));
    const json held = status_of(run);
    const int64_t paused_at = held.at("paused_at_step").get<int64_t>();
    QCOMPARE(state_of(held), std::string("paused"));
    QCOMPARE(step_of(held), paused_at);
    std::this_thread::sleep_for(1500ms);  // a window in which no step may happen
    QCOMPARE(step_of(status_of(run)), paused_at);

    QCOMPARE(run_control(run, "resume"), 0);
    QVERIFY(wait_status(run, [&](const json& s) { return step_of(s) > paused_at + 2; }));
    QVERIFY(!status_of(run).contains("paused_at_step"));
    QCOMPARE(run_control(run, "checkpoint"), 0);
    QVERIFY(wait_status(run, [](const json& s) {
      return !s.value("last_checkpoint", std::string()).empty();
    }));

    QCOMPARE(run_control(run, "stop"), 0);
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 0);
    const json stopped = status_of(run);
    QCOMPARE(QString::fromStdString(state_of(stopped)), QString("stopped"));
    const int64_t stopped_at = step_of(stopped);
    QVERIFY(stopped_at > paused_at);

    // Resume with a shorter budget: continues from the stop's checkpoint to the end.
    write_run(dir, stopped_at + 3);
    QProcess again;
    again.start(kTrain, {QString::fromStdString(config), "--resume"});
    QVERIFY(again.waitForFinished(120000));
    QVERIFY2(again.exitCode() == 0, qPrintable(again.readAllStandardError()));
    const json done = status_of(run);
    QCOMPARE(QString::fromStdString(state_of(done)), QString("finished"));
    QCOMPARE(step_of(done), 2 * (stopped_at + 3));
    QVERIFY(QString(again.readAllStandardOutput()).contains(
        QString("step %1 [all] loss").arg(stopped_at + 1)));
  }

  void sigintWritesACheckpointAndExits130() {
    QTemporaryDir dir;
    const std::string config = write_run(dir, 100000);
    const std::string run = dir.path().toStdString() + "/run";
    QProcess p;
    write_stdout_to(p, dir);
    p.start(kTrain, {QString::fromStdString(config)});
    QVERIFY(wait_status(run, [](const json& s) { return step_of(s) >= 2; }));
    ::kill(pid_t(p.processId()), SIGINT);
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 130);
    const json s = status_of(run);
    QCOMPARE(QString::fromStdString(state_of(s)), QString("stopped"));
    QVERIFY(!s.value("last_checkpoint", std::string()).empty());
    QVERIFY(QDir(QString::fromStdString(s["last_checkpoint"].get<std::string>())).exists());
  }

  void badInputFailsWithAClearMessage() {
    QTemporaryDir dir;
    const std::string config = write_run(dir, 5, {{"chekpoint_every_steps", 3}});
    QProcess p;
    p.start(kTrain, {QString::fromStdString(config)});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 1);
    QVERIFY(QString(p.readAllStandardError()).contains("chekpoint_every_steps"));

    // A shard whose ids exceed the model's vocabulary: fails before training, status says why.
    const std::string bad = write_run(dir, 5);
    json run = json::parse(std::ifstream(bad));
    run["model"]["config"]["vocab_size"] = 32;
    std::ofstream(bad) << run.dump();
    QProcess q;
    q.start(kTrain, {QString::fromStdString(bad)});
    QVERIFY(q.waitForFinished(60000));
    QCOMPARE(q.exitCode(), 1);
    const QString err = q.readAllStandardError();
    QVERIFY2(err.contains("ko"), qPrintable(err));
    const json s = status_of(dir.path().toStdString() + "/run");
    QCOMPARE(QString::fromStdString(state_of(s)), QString("failed"));

    // Found before any step, each error printed once: a tokenizer folder the export would copy
    // from that holds no tokenizer.model, a run folder that cannot be created.
    for (const auto& [key, value, words] :
         std::vector<std::tuple<std::string, json, QString>>{
             {"tokenizer", {{"path", dir.path().toStdString()}}, "tokenizer.path"},
             {"run_dir", "/proc/glossa-run", "cannot create the run folder"}}) {
      const std::string path = write_run(dir, 5, {{key, value}});
      QProcess r;
      r.start(kTrain, {QString::fromStdString(path)});
      QVERIFY(r.waitForFinished(60000));
      const QString stderr_text = r.readAllStandardError();
      QVERIFY2(r.exitCode() == 1 && stderr_text.contains(words), qPrintable(stderr_text));
      QCOMPARE(stderr_text.count("error:"), 1);
      QVERIFY(!QString(r.readAllStandardOutput()).contains("step 1 "));
    }

    QProcess usage;
    usage.start(kTrain, {"--no-such-flag"});
    QVERIFY(usage.waitForFinished(30000));
    QCOMPARE(usage.exitCode(), 2);
  }

  // Data parallel (docs/distributed.md) through the real executable: 2 Gloo processes (torchrun variables, a free port)
  // with micro-batch 2 end where 1 process with micro-batch 4 ends: with gradients all-reduced,
  // and with ZeRO-1 (+ activation checkpointing). The ZeRO-1 run's checkpoints hold the whole
  // optimizer state: 1 process resumes one of them mid-stage and still ends in the same place.
  void twoRanksEqualOneRankWithAndWithoutZero1() {
    GLOSSA_REQUIRE_PYTHON(py);
    QTemporaryDir dir;
    const std::string root = dir.path().toStdString();
    auto config_for = [&](const std::string& name, int micro, bool zero1) {
      json run = json::parse(std::ifstream(write_run(dir, 4)));
      run["run_dir"] = root + "/" + name;
      run["checkpoint_every_steps"] = 2;
      run["keep_checkpoints"] = 10;
      for (json& s : run["schedule"]["stages"]) {
        s["micro_batch"] = micro;
        s["zero1"] = zero1;
      }
      run["schedule"]["stages"][1]["activation_checkpointing"] = zero1;
      const std::string path = root + "/" + name + ".json";
      std::ofstream(path) << run.dump();
      return QString::fromStdString(path);
    };
    const QString one = config_for("one", 4, false), two = config_for("two", 2, false);
    const QString zero = config_for("zero", 2, true);
    QProcess single;
    single.start(kTrain, {one});
    QVERIFY(single.waitForFinished(120000));
    QCOMPARE(single.exitCode(), 0);
    std::map<QString, int64_t> state_elements;  // rank 0's AdamW state in stage 'all'
    for (const QString& config : {two, zero}) {
      const auto ranks = start_two_ranks({config}, 60);
      QStringList logs;
      for (const auto& p : ranks) {
        QVERIFY(ended(*p, 120000));
        logs << p->readAllStandardError();
        QVERIFY2(p->exitCode() == 0, qPrintable(logs.back()));
      }
      const QString& log = logs[0];
      const auto m = QRegularExpression("stage 'all': (\\d+) AdamW state elements").match(log);
      QVERIFY2(m.hasMatch(), qPrintable(log));
      state_elements[config] = m.captured(1).toLongLong();
      QCOMPARE(log.contains("ZeRO-1: sharded over 2 ranks"), config == zero);
      // ZeRO-1 carries the state into stage 2 from the mapped stage-end checkpoint (no rank
      // assembles it in memory); all-reduce ranks hand over their own tensors.
      QVERIFY2(log.contains("carried over from the previous stage"), qPrintable(log));
      QCOMPARE(log.contains("carried over from the previous stage (its stage-end checkpoint, "
                            "mapped)"),
               config == zero);
    }
    // ZeRO-1: rank 0 holds about half of the optimizer state (whole rows per rank).
    QVERIFY(state_elements[zero] < 0.6 * state_elements[two]);
    QVERIFY(state_elements[zero] > 0.4 * state_elements[two]);
    const double plain = max_export_diff(py, dir.path() + "/one", dir.path() + "/two");
    const double sharded = max_export_diff(py, dir.path() + "/one", dir.path() + "/zero");
    qInfo("max |1 rank - 2 ranks| after 8 steps: %g all-reduce, %g ZeRO-1", plain, sharded);
    QVERIFY(plain <= 1e-5);
    QVERIFY(sharded <= 1e-5);

    // Resume the ZeRO-1 run from its step-6 checkpoint (mid stage 2) in ONE process.
    QDir checkpoints(dir.path() + "/zero/checkpoints");
    QVERIFY(checkpoints.exists("step-00000006"));
    QVERIFY(QDir(checkpoints.filePath("step-00000008")).removeRecursively());
    const QString zero_alone = config_for("zero", 4, true);  // same run, 1 rank x micro-batch 4
    QProcess resumed;
    resumed.start(kTrain, {zero_alone, "--resume"});
    QVERIFY(resumed.waitForFinished(120000));
    QVERIFY2(resumed.exitCode() == 0, qPrintable(resumed.readAllStandardError()));
    QVERIFY(QString(resumed.readAllStandardOutput()).contains("step 7 [layers] loss"));
    const double after_resume = max_export_diff(py, dir.path() + "/one", dir.path() + "/zero");
    qInfo("max |1 rank - (2 ranks ZeRO-1, resumed by 1 rank at step 6)|: %g", after_resume);
    QVERIFY(after_resume <= 1e-5);
  }

  // A run resumed in a NEW process from a mid-stage checkpoint ends bit for bit where the
  // straight run ends (CPU, one rank): model, AdamW state, data position and RNG all come back
  // from the checkpoint (docs/checkpoints.md).
  void resumeInANewProcessEqualsTheStraightRunBitForBit() {
    GLOSSA_REQUIRE_PYTHON(py);
    QTemporaryDir dir;
    const std::string root = dir.path().toStdString();
    json run = json::parse(std::ifstream(write_run(dir, 4)));
    run["checkpoint_every_steps"] = 1;
    run["keep_checkpoints"] = 10;
    const std::string config = root + "/straight.json";
    std::ofstream(config) << run.dump();
    QProcess straight;
    straight.start(kTrain, {QString::fromStdString(config)});
    QVERIFY(straight.waitForFinished(120000));
    QVERIFY2(straight.exitCode() == 0, straight.readAllStandardError().constData());
    // The same run directory, cut back to step 3 (mid stage 1) and to step 6 (mid stage 2).
    for (const int step : {3, 6}) {
      const QString copy = dir.filePath(QString("resumed_%1").arg(step));
      QVERIFY(QProcess::execute("cp", {"-a", dir.filePath("run"), copy}) == 0);
      QDir checkpoints(copy + "/checkpoints");
      for (const QString& name : checkpoints.entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        if (name.mid(5).toInt() > step) QVERIFY(QDir(checkpoints.filePath(name)).removeRecursively());
      QVERIFY(QDir(copy + "/export").removeRecursively());
      json resumed = run;
      resumed["run_dir"] = copy.toStdString();
      const std::string resumed_config = copy.toStdString() + ".json";
      std::ofstream(resumed_config) << resumed.dump();
      QProcess again;
      again.start(kTrain, {QString::fromStdString(resumed_config), "--resume"});
      QVERIFY(again.waitForFinished(120000));
      QVERIFY2(again.exitCode() == 0, again.readAllStandardError().constData());
      QVERIFY(QString(again.readAllStandardOutput())
                  .contains(QString("step %1 [").arg(step + 1)));  // it did resume there
      const double diff = max_export_diff(py, dir.filePath("run"), copy);
      qInfo("resumed at step %d in a new process: max |straight - resumed| = %g", step, diff);
      QCOMPARE(diff, 0.0);
    }
  }

  // Control requests go to rank 0 (control.json); every rank pauses, checkpoints and stops at
  // the same step. A pause longer than the collective timeout does not kill rank 1.
  void controlReachesEveryRank() {
    QTemporaryDir dir;
    const std::string config = write_run(dir, 100000, {{"threads", 1}});
    const std::string run = dir.path().toStdString() + "/run";
    // 8 s: rendezvous and every collective of a 2-rank run fit with room on 2 busy cores
    // (ctest -j2: loading LibTorch alone can take seconds); the pause outlasts it by 2 s.
    const auto ranks = start_two_ranks({QString::fromStdString(config)}, 8);
    QVERIFY(wait_status(run, [](const json& s) { return step_of(s) >= 3; }));
    QCOMPARE(run_control(run, "pause"), 0);
    QVERIFY(wait_status(run, [](const json& s) { return s.contains("paused_at_step"); }));
    std::this_thread::sleep_for(10s);  // > GLOSSA_DP_TIMEOUT_S, counted from the hold
    QVERIFY2(!ended(*ranks[1], 100), ranks[1]->readAllStandardError().constData());
    QCOMPARE(run_control(run, "checkpoint"), 0);
    QVERIFY(wait_status(run, [](const json& s) {
      return !s.value("last_checkpoint", std::string()).empty();
    }));
    QCOMPARE(run_control(run, "stop"), 0);
    for (const auto& p : ranks) {
      QVERIFY(ended(*p, 60000));
      QVERIFY2(p->exitCode() == 0, qPrintable(p->readAllStandardError()));
    }
    QCOMPARE(QString::fromStdString(state_of(status_of(run))), QString("stopped"));
  }

  // A signal that reaches rank 1 only stops both ranks at the same step, with a checkpoint.
  void sigintToOneRankStopsEveryRank() {
    QTemporaryDir dir;
    const std::string config = write_run(dir, 100000);
    const std::string run = dir.path().toStdString() + "/run";
    const auto ranks = start_two_ranks({QString::fromStdString(config)}, 30);
    QVERIFY(wait_status(run, [](const json& s) { return step_of(s) >= 2; }));
    ::kill(pid_t(ranks[1]->processId()), SIGINT);
    for (const auto& p : ranks) QVERIFY(ended(*p, 60000));
    QCOMPARE(ranks[1]->exitCode(), 130);
    QCOMPARE(ranks[0]->exitCode(), 0);
    const json s = status_of(run);
    QCOMPARE(QString::fromStdString(state_of(s)), QString("stopped"));
    QVERIFY(!s.value("last_checkpoint", std::string()).empty());
  }

  void dryRunPrintsTheConfigurationAndTrainsNothing() {
    QTemporaryDir dir;
    const std::string config = write_run(dir, 5);
    QProcess p;
    p.start(kTrain, {QString::fromStdString(config), "--dry-run"});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 0);
    const QString out = p.readAllStandardOutput();
    QVERIFY(out.contains("| stage 2 | layers: 5 steps"));
    QVERIFY2(out.contains("memory per rank") && out.contains("| layers | 0.7 MiB | fits: "),
             qPrintable(out));
    QVERIFY(!QDir(dir.path() + "/run").exists());

    // A GPU run prepared on a machine without a GPU: still checked, against an assumed 80 GiB.
    const std::string gpu = write_run(dir, 5, {{"device", "cuda"}});
    QProcess q;
    q.start(kTrain, {QString::fromStdString(gpu), "--dry-run"});
    QVERIFY(q.waitForFinished(60000));
    const QString gpu_out = q.readAllStandardOutput();
    QVERIFY2(q.exitCode() == 0, qPrintable(q.readAllStandardError()));
    QVERIFY2(gpu_out.contains("memory per rank"), qPrintable(gpu_out));
    if (gpu_out.contains("assuming 80 GiB"))  // no GPU here (CI): 92 % of 80 GiB
      QVERIFY2(gpu_out.contains("of a 73.6 GiB budget"), qPrintable(gpu_out));
  }
};

QTEST_GUILESS_MAIN(TestGlossaTrain)
#include "test_glossa_train.moc"
