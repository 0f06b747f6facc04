// ctest-labels: unit data
// Training runs through glossa-backend, over the real socket, with the real glossa-train on
// stories260K: run.start streams every step's metrics, metrics.query returns them all (and
// buckets that keep spikes), pause / resume / checkpoint / stop; a client that disconnects gets
// the whole history back and the live stream goes on; kill -9 of the trainer marks the run
// failed and run.resume_from_checkpoint continues it without losing a step; kill -9 of the
// backend leaves the trainer training and a new backend re-adopts it; a client that never reads
// does not slow the run.
#include <signal.h>

#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <set>

#include "support/backend_process.h"
#include "support/rpc_client.h"
#include "support/shard_fixture.h"
#include "support/test_support.h"
#include "base/sqlite_db.h"
#include "training/metrics/metrics_store.h"
#include "training/metrics/train_control.h"

using glossa::protocol::Message;
using glossa::test::BackendProcess;
using glossa::test::RpcClient;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

glossa::test::Documents documents(int count, int offset) {
  glossa::test::Documents docs;
  for (int d = 0; d < count; ++d) {
    std::vector<int32_t> doc;
    for (int i = 0; i < 6 + (d + offset) % 7; ++i) doc.push_back(3 + (d * 7 + i * 3 + offset) % 300);
    doc.push_back(2);
    docs.push_back(doc);
  }
  return docs;
}

bool about(const Message& m, const char* method, int64_t run) {
  return m.method == method && m.params.value("id", int64_t(-1)) == run;
}

// Steps of every run.metrics notification of `run` the client has set aside (removed).
std::vector<int64_t> take_steps(RpcClient& c, int64_t run) {
  std::vector<int64_t> steps;
  auto& notes = c.notifications();
  for (auto it = notes.begin(); it != notes.end();) {
    if (about(*it, "run.metrics", run)) {
      for (const json& row : it->params.at("rows")) steps.push_back(row.at("step").get<int64_t>());
      it = notes.erase(it);
    } else {
      ++it;
    }
  }
  return steps;
}

// Waits until a run.metrics row of `run` with step >= `step` arrives; every step seen on the
// way is appended to `seen`.
bool wait_step(RpcClient& c, int64_t run, int64_t step, std::vector<int64_t>& seen,
               std::chrono::seconds timeout = 180s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (int64_t s : take_steps(c, run)) seen.push_back(s);
    if (!seen.empty() && *std::max_element(seen.begin(), seen.end()) >= step) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    auto m = c.wait_notification([&](const Message& n) { return about(n, "run.metrics", run); }, 2s);
    if (m) c.notifications().push_front(*m);
  }
}

bool wait_state(RpcClient& c, int64_t run, const std::string& state,
                std::chrono::seconds timeout = 180s) {
  return bool(c.wait_notification(
      [&](const Message& m) {
        return about(m, "run.state", run) && m.params.value("state", "") == state;
      },
      timeout));
}

std::vector<int64_t> queried_steps(RpcClient& c, int64_t run) {
  const json r = c.call("metrics.query", {{"runs", {run}}, {"series", "loss"}, {"max_points", 100000}});
  std::vector<int64_t> steps;
  for (const json& x : r.at("runs").at(0).at("x")) steps.push_back(x.get<int64_t>());
  return steps;
}

// 1..n, each once.
bool contiguous(std::vector<int64_t> steps, int64_t n) {
  std::sort(steps.begin(), steps.end());
  if (int64_t(steps.size()) != n) return false;
  for (int64_t i = 0; i < n; ++i)
    if (steps[size_t(i)] != i + 1) return false;
  return true;
}

// `steps` metrics rows in one transaction, as a fast writer elsewhere would leave them.
void write_steps(const std::string& run, int64_t steps) {
  glossa::SqliteDb db(run + "/metrics.sqlite");
  glossa::SqliteDb::Transaction t(db);
  glossa::SqliteStatement q(db, "INSERT INTO steps(step, stage, tokens, loss, time) VALUES(?,?,?,?,?)");
  for (int64_t i = 1; i <= steps; ++i) {
    q.bind(1, i).bind(2, std::string_view("all")).bind(3, i * 64).bind(4, 3.0).bind(5, double(i));
    q.run();
  }
  t.commit();
}

}  // namespace

class TestBackendRuns : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::unique_ptr<BackendProcess> backend_;
  int runs_ = 0;

  QString path(const QString& name) const { return dir_.filePath(name); }
  std::string socket() const { return backend_->socket().toStdString(); }

  // A RUN.json of one stage of `steps` steps on stories260K; its path.
  std::string write_run(int64_t steps, int64_t checkpoint_every = 0) {
    const std::string root = path(QString("r%1").arg(++runs_)).toStdString();
    json stage = {{"name", "all"}, {"trainable", {"all"}}, {"budget_steps", steps},
                  {"peak_lr", 1e-3}, {"seq_len", 32}, {"micro_batch", 2}, {"warmup_steps", 1}};
    json run = {{"run_dir", root},
                {"model", {{"path", path("stories").toStdString()}}},
                {"schedule", {{"name", "test"}, {"stages", {stage}}}},
                {"data", {{"sources", {{{"name", "ko"}, {"prefix", path("ko").toStdString()}, {"weight", 1.0}}}},
                          {"seq_len", 32}, {"seed", 3}}},
                {"heldout", {{{"name", "ko_heldout"}, {"prefix", path("ko_heldout").toStdString()}}}},
                {"eval", {{"seq_len", 32}, {"max_tokens", 256}}},
                {"checkpoint_every_steps", checkpoint_every},
                {"threads", 1}};
    const std::string config = root + ".RUN.json";
    std::ofstream(config) << run.dump(2);
    return config;
  }

  int64_t start(RpcClient& c, const std::string& config) {
    const json r = c.call("run.start", {{"config", config}});
    return r.at("run").at("id").get<int64_t>();
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(QFile::exists(glossa::test::program("glossa-backend")));
    QVERIFY(QFile::exists(glossa::test::program("glossa-train")));
    GLOSSA_REQUIRE_SHARED(model, "models/stories260K/stories260K.bin");
    GLOSSA_REQUIRE_SHARED(tokenizer, "models/stories260K/tok512.bin");
    const auto imported = glossa::test::run(
        glossa::test::program("glossa-cli"),
        {"model", "import", "--llama2c", model, "--tokenizer", tokenizer, "--out", path("stories"), "-q"});
    QVERIFY2(imported.exit_code == 0, imported.err.constData());
    glossa::test::ManifestInfo info;
    info.vocab_size = 512;
    glossa::test::write_shard(path("ko").toStdString(), documents(600, 0), documents(40, 5), info);
    backend_ = std::make_unique<BackendProcess>(path("b"));
    QVERIFY2(backend_->start(), qPrintable(backend_->error()));
  }

  void runStreamsEveryStepAndQueryReturnsThem() {
    RpcClient c(socket());
    c.call("subscribe", {{"runs", true}});
    const int64_t run = start(c, write_run(30));
    QVERIFY(wait_state(c, run, "finished"));
    std::vector<int64_t> seen = take_steps(c, run);
    QVERIFY2(contiguous(seen, 30), qPrintable(QString("%1 rows streamed").arg(seen.size())));
    QVERIFY(contiguous(queried_steps(c, run), 30));
    bool eval = false, stage = false, log = false;
    for (const Message& m : c.notifications()) {
      eval |= about(m, "run.eval", run);
      stage |= about(m, "run.stage", run);
      log |= about(m, "run.log", run);
    }
    QVERIFY(eval && stage && log);
    // Down to 5 buckets: every value inside [min, max] of its bucket, the last x the last step.
    const json all = c.call("metrics.query", {{"runs", {run}}, {"series", "loss"}, {"max_points", 100000}});
    const json few = c.call("metrics.query", {{"runs", {run}}, {"series", "loss"}, {"max_points", 5}});
    const json& a = all.at("runs").at(0);
    const json& f = few.at("runs").at(0);
    QVERIFY(f.at("x").size() <= 5 && !f.at("x").empty());
    QCOMPARE(f.at("x").back().get<int64_t>(), 30);
    const double lo = *std::min_element(a.at("min").begin(), a.at("min").end());
    const double hi = *std::max_element(a.at("max").begin(), a.at("max").end());
    QCOMPARE(*std::min_element(f.at("min").begin(), f.at("min").end()), json(lo));
    QCOMPARE(*std::max_element(f.at("max").begin(), f.at("max").end()), json(hi));
    QCOMPARE(c.call("run.get", {{"id", run}}).at("run").at("state").get<std::string>(),
             std::string("finished"));
  }

  void pauseResumeCheckpointStop() {
    RpcClient c(socket());
    c.call("subscribe", {{"runs", true}});
    const int64_t run = start(c, write_run(100000));
    std::vector<int64_t> seen;
    QVERIFY(wait_step(c, run, 3, seen));
    c.call("run.pause", {{"id", run}});
    QVERIFY(wait_state(c, run, "paused"));
    c.call("run.checkpoint", {{"id", run}});
    QVERIFY(c.wait_notification([&](const Message& m) { return about(m, "run.checkpoint", run); }, 120s));
    c.call("run.resume", {{"id", run}});
    QVERIFY(wait_state(c, run, "running"));
    const int64_t resumed_from = *std::max_element(seen.begin(), seen.end());
    QVERIFY(wait_step(c, run, resumed_from + 3, seen));
    c.call("run.stop", {{"id", run}});
    QVERIFY(wait_state(c, run, "stopped"));
    const Message again = c.request("run.pause", {{"id", run}});
    QCOMPARE(again.kind, Message::Kind::kError);
    QCOMPARE(again.error.code, int(glossa::protocol::kInvalidState));
  }

  void reconnectGetsTheHistoryAndTheStreamGoesOn() {
    int64_t run = 0;
    {
      RpcClient c(socket());
      c.call("subscribe", {{"runs", true}});
      run = start(c, write_run(100000));
      std::vector<int64_t> seen;
      QVERIFY(wait_step(c, run, 5, seen));
    }  // disconnected
    RpcClient c(socket());
    c.call("subscribe", {{"runs", {run}}});
    const std::vector<int64_t> history = queried_steps(c, run);
    QVERIFY(history.size() >= 5);
    QVERIFY(contiguous(history, int64_t(history.size())));
    std::vector<int64_t> live;
    QVERIFY(wait_step(c, run, int64_t(history.size()) + 5, live));
    // No gap between the history and the live stream.
    const std::vector<int64_t> after = queried_steps(c, run);
    QVERIFY(contiguous(after, int64_t(after.size())));
    c.call("run.stop", {{"id", run}});
    QVERIFY(wait_state(c, run, "stopped"));
  }

  void killedTrainerFailsTheRunAndResumesFromItsCheckpoint() {
    RpcClient c(socket());
    c.call("subscribe", {{"runs", true}});
    const int64_t run = start(c, write_run(100000, 5));
    std::vector<int64_t> seen;
    QVERIFY(wait_step(c, run, 12, seen));
    const json info = c.call("run.get", {{"id", run}}).at("run");
    const int64_t pid = info.at("pids").at(0).get<int64_t>();
    QVERIFY(::kill(pid_t(pid), SIGKILL) == 0);
    const auto failed = c.wait_notification(
        [&](const Message& m) { return about(m, "run.state", run) && m.params.value("state", "") == "failed"; },
        60s);
    QVERIFY(failed);
    const json after = c.call("run.get", {{"id", run}}).at("run");
    QCOMPARE(after.at("state").get<std::string>(), std::string("failed"));
    QVERIFY(!after.at("error").at("message").get<std::string>().empty());
    const int64_t before_resume = int64_t(queried_steps(c, run).size());
    c.call("run.resume_from_checkpoint", {{"id", run}});
    QVERIFY(wait_step(c, run, before_resume + 3, seen));
    // Every step up to the newest is there: the steps after the checkpoint were trained again.
    const std::vector<int64_t> steps = queried_steps(c, run);
    QVERIFY(contiguous(steps, int64_t(steps.size())));
    c.call("run.stop", {{"id", run}});
    QVERIFY(wait_state(c, run, "stopped"));
  }

  void killedBackendLeavesTheTrainerTrainingAndIsReadopted() {
    int64_t run = 0;
    std::string run_dir;
    {
      RpcClient c(socket());
      c.call("subscribe", {{"runs", true}});
      run = start(c, write_run(100000));
      run_dir = c.call("run.get", {{"id", run}}).at("run").at("run_dir").get<std::string>();
      std::vector<int64_t> seen;
      QVERIFY(wait_step(c, run, 3, seen));
    }
    backend_->kill9();
    const auto step_now = [&] {
      const auto s = glossa::read_status(run_dir);
      return s ? s->value("global_step", int64_t(0)) : int64_t(0);
    };
    const int64_t at_kill = step_now();
    QTRY_VERIFY_WITH_TIMEOUT(step_now() > at_kill + 3, 60000);  // trains on, alone
    QVERIFY2(backend_->start(), qPrintable(backend_->error()));
    RpcClient c(socket());
    c.call("subscribe", {{"runs", {run}}});
    QCOMPARE(c.call("run.get", {{"id", run}}).at("run").at("state").get<std::string>(),
             std::string("running"));
    std::vector<int64_t> live;
    QVERIFY(wait_step(c, run, step_now() + 3, live));
    c.call("run.stop", {{"id", run}});
    QVERIFY(wait_state(c, run, "stopped"));
  }

  // A subscriber that never reads while a trainer runs and another run floods the stream (200,000
  // metrics rows appear at once, as a run attached from a cluster might): the trainer keeps
  // stepping and its steps keep reaching a reading client, other clients are answered, and the
  // stalled client, once it reads, is told how much was dropped for it. How fast the trainer
  // goes beside it is a timing (glossa-bench-backend measures the stream with stalled clients).
  void clientThatNeverReadsDoesNotSlowTheRun() {
    RpcClient c(socket());
    c.call("subscribe", {{"runs", true}});
    const int64_t run = start(c, write_run(100000));
    std::vector<int64_t> seen;
    QVERIFY(wait_step(c, run, 10, seen));
    RpcClient stalled(socket());
    stalled.call("subscribe");  // then reads nothing until the end
    const std::string flood = path("flood").toStdString();
    QDir().mkpath(path("flood"));
    glossa::write_status(flood, {{"state", "running"}, {"pid", int64_t(::getpid())}});
    { glossa::MetricsWriter create(flood + "/metrics.sqlite"); }
    const int64_t flood_run = c.call("run.attach", {{"run_dir", flood}}).at("run").at("id").get<int64_t>();
    write_steps(flood, 200000);
    std::vector<int64_t> flooded;
    QVERIFY(wait_step(c, flood_run, 200000, flooded));  // the flood reached a reading client
    // Once the flood is through, the trainer's steps still arrive, and the run's history has
    // every step: nothing the trainer wrote was lost to the stalled client's queue.
    const int64_t from = *std::max_element(seen.begin(), seen.end()) + 1;
    QVERIFY(wait_step(c, run, from + 20, seen));
    const std::vector<int64_t> history = queried_steps(c, run);
    QVERIFY(int64_t(history.size()) >= from + 20);
    QVERIFY(contiguous(history, int64_t(history.size())));
    QCOMPARE(c.call("version").at("protocol").get<int>(), glossa::protocol::kProtocolVersion);
    const auto dropped = stalled.wait_notification(
        [](const Message& m) { return m.method == "dropped"; }, 60s);
    QVERIFY(dropped);
    QVERIFY(dropped->params.at("count").get<int64_t>() > 0);
    c.call("run.stop", {{"id", run}});
    QVERIFY(wait_state(c, run, "stopped"));
  }
};

QTEST_GUILESS_MAIN(TestBackendRuns)
#include "test_backend_runs.moc"
