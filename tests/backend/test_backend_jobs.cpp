// ctest-labels: unit data
// glossa-backend as a client sees it, over the real socket: start-up (one instance per socket,
// a stale socket replaced, folder and socket modes), engine jobs (progress, a result equal to
// glossa-cli's, cancellation without partial output, restart: past jobs listed, interrupted ones
// marked), every kind of bad input with the connection still usable, 64 clients at once,
// another uid refused, SIGTERM.
#include <sys/stat.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <thread>

#include "support/backend_process.h"
#include "support/clock_values.h"
#include "support/rpc_client.h"
#include "support/test_support.h"

using glossa::protocol::Message;
using glossa::test::BackendProcess;
using glossa::test::RpcClient;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

bool is(const Message& m, const char* method, int64_t id) {
  return m.method == method && m.params.value("id", int64_t(-1)) == id;
}

int mode_of(const QString& path) {
  struct stat st{};
  return ::stat(path.toLocal8Bit().constData(), &st) == 0 ? int(st.st_mode & 0777) : -1;
}

int error_code(const Message& m) { return m.kind == Message::Kind::kError ? m.error.code : 0; }

}  // namespace

class TestBackendJobs : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::unique_ptr<BackendProcess> backend_;
  QString corpus_;

  QString path(const QString& name) const { return dir_.filePath(name); }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(QFile::exists(glossa::test::program("glossa-backend")));
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    corpus_ = nsmc;
    backend_ = std::make_unique<BackendProcess>(path("b"));
    QVERIFY2(backend_->start(), qPrintable(backend_->error()));
  }

  void listensPrivatelyAndOnlyOnce() {
    QCOMPARE(mode_of(backend_->socket()), 0600);
    QCOMPARE(mode_of(path("b/run/glossa")), 0700);
    RpcClient client(backend_->socket().toStdString());
    const json v = client.call("version");
    QCOMPARE(v.at("protocol").get<int>(), glossa::protocol::kProtocolVersion);
    QCOMPARE(v.at("pid").get<qint64>(), backend_->pid());
    // A second backend on the same socket exits at once, naming the first.
    BackendProcess second(path("b"), "second");
    QVERIFY(!second.start());
    QVERIFY2(second.log().contains("another glossa-backend is already listening here (pid " +
                                   QString::number(backend_->pid())),
             qPrintable(second.log()));
    QCOMPARE(client.call("version").at("pid").get<qint64>(), backend_->pid());  // unharmed
  }

  void corpusStatisticsJobEqualsTheCli() {
    RpcClient client(backend_->socket().toStdString());
    client.call("subscribe");
    const json options = {{"files", {corpus_.toStdString()}}, {"column", "review"},
                          {"script", "hangul"}};
    const json submitted = client.call("job.submit", {{"job", "corpus.stats"}, {"options", options}});
    const int64_t id = submitted.at("job").at("id").get<int64_t>();
    const auto finished = client.wait_notification(
        [&](const Message& m) { return is(m, "job.finished", id) || is(m, "job.failed", id); }, 300s);
    QVERIFY(finished);
    QVERIFY2(finished->method == "job.finished", finished->params.dump().c_str());
    int progress = 0;
    for (const Message& m : client.notifications()) progress += is(m, "job.progress", id);
    QVERIFY2(progress >= 1, "no job.progress notification");
    json by_backend = finished->params.at("result");
    const auto cli = glossa::test::run(
        glossa::test::program("glossa-cli"),
        {"corpus", "stats", corpus_, "--column", "review", "--script", "hangul", "--json", "-q"});
    QVERIFY2(cli.exit_code == 0, cli.err.constData());
    json by_cli = json::parse(cli.out.toStdString());
    glossa::test::drop_clock_values(by_backend);
    glossa::test::drop_clock_values(by_cli);
    if (by_backend != by_cli) {
      const json diff = json::diff(by_cli, by_backend);
      QFAIL(qPrintable("backend and CLI results differ: " + QString::fromStdString(diff.dump())));
    }
    const json got = client.call("job.get", {{"id", id}}).at("job");
    QCOMPARE(got.at("state").get<std::string>(), std::string("finished"));
  }

  void cancelledJobLeavesNoOutput() {
    RpcClient client(backend_->socket().toStdString());
    client.call("subscribe", {{"jobs", true}});
    const json options = {{"input", {corpus_.toStdString()}}, {"column", "review"},
                          {"vocab_size", 8000}, {"out", path("cancelled").toStdString()}};
    const int64_t id = client.call("job.submit", {{"job", "tokenizer.train"}, {"options", options}})
                           .at("job").at("id").get<int64_t>();
    QVERIFY(client.wait_notification([&](const Message& m) { return is(m, "job.progress", id); }, 120s));
    client.call("job.cancel", {{"id", id}});
    const auto failed =
        client.wait_notification([&](const Message& m) { return is(m, "job.failed", id); }, 60s);
    QVERIFY(failed);
    QCOMPARE(failed->params.at("state").get<std::string>(), std::string("cancelled"));
    QVERIFY2(QDir(dir_.path()).entryList({"cancelled*"}).isEmpty(), "partial output left");
    const Message again = client.request("job.cancel", {{"id", id}});
    QCOMPARE(error_code(again), int(glossa::protocol::kInvalidState));
  }

  // --max-cpu-jobs bounds the jobs that run at once; the others wait queued, in order, and a
  // queued job can be cancelled before it ever starts.
  void jobsBeyondThePoolWaitQueued() {
    BackendProcess one(path("q"));
    QVERIFY2(one.start({"--max-cpu-jobs", "1"}), qPrintable(one.error()));
    RpcClient c(one.socket().toStdString());
    c.call("subscribe", {{"jobs", true}});
    std::vector<int64_t> ids;
    for (const char* out : {"queued_a", "queued_b"}) {
      const json options = {{"input", {corpus_.toStdString()}}, {"column", "review"},
                            {"vocab_size", 8000}, {"out", path(out).toStdString()}};
      ids.push_back(c.call("job.submit", {{"job", "tokenizer.train"}, {"options", options}})
                        .at("job").at("id").get<int64_t>());
    }
    QVERIFY(c.wait_notification([&](const Message& m) { return is(m, "job.progress", ids[0]); }, 120s));
    const auto state = [&](int64_t id) {
      return c.call("job.get", {{"id", id}}).at("job").at("state").get<std::string>();
    };
    QCOMPARE(state(ids[0]), std::string("running"));
    QCOMPARE(state(ids[1]), std::string("queued"));
    c.call("job.cancel", {{"id", ids[1]}});
    QCOMPARE(state(ids[1]), std::string("cancelled"));
    c.call("job.cancel", {{"id", ids[0]}});
    QVERIFY(c.wait_notification([&](const Message& m) { return is(m, "job.failed", ids[0]); }, 60s));
    for (const json& j : c.call("job.list").at("jobs"))  // the second never ran
      if (j.at("id") == ids[1]) QVERIFY(j.at("started").is_null());
    QCOMPARE(one.terminate(), 0);
  }

  void badInputGetsErrorsAndTheConnectionStaysUsable() {
    RpcClient c(backend_->socket().toStdString());
    const auto next_error = [&] {
      auto m = c.next(10s);
      return m ? error_code(*m) : 0;
    };
    c.send_raw("this is not json\n");
    QCOMPARE(next_error(), int(glossa::protocol::kParseError));
    c.send_raw("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"version\",\"params\":[]}\n");
    QCOMPARE(next_error(), int(glossa::protocol::kInvalidRequest));
    c.send_raw("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"version\"}]\n");
    QCOMPARE(next_error(), int(glossa::protocol::kInvalidRequest));
    c.send_raw("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"v\xff\"}\n");
    QCOMPARE(next_error(), int(glossa::protocol::kParseError));
    QCOMPARE(error_code(c.request("no.such.method")), int(glossa::protocol::kMethodNotFound));
    const Message typed = c.request("job.get", {{"id", "seven"}});
    QCOMPARE(error_code(typed), int(glossa::protocol::kInvalidParams));
    QCOMPARE(typed.error.data.at("field").get<std::string>(), std::string("id"));
    QCOMPARE(error_code(c.request("job.get", {{"id", 7}, {"extra", 1}})),
             int(glossa::protocol::kInvalidParams));
    QCOMPARE(error_code(c.request("job.get", {{"id", 987654}})), int(glossa::protocol::kNotFound));
    const Message options = c.request(
        "job.submit", {{"job", "corpus.stats"}, {"options", {{"files", {corpus_.toStdString()}},
                                                             {"threads", "two"}}}});
    QCOMPARE(error_code(options), int(glossa::protocol::kJobOptions));
    QCOMPARE(options.error.data.at("field").get<std::string>(), std::string("threads"));
    const Message missing = c.request(
        "job.submit", {{"job", "corpus.stats"}, {"options", {{"files", {"/no/such/file.tsv"}}}}});
    QCOMPARE(error_code(missing), int(glossa::protocol::kJobOptions));
    QVERIFY(missing.error.message.find("/no/such/file.tsv") != std::string::npos);
    // A line over 1 MiB is discarded with one error; the next line is read normally.
    c.send_raw(std::string(glossa::protocol::kMaxLineBytes + 1, 'x') + "\n");
    QCOMPARE(next_error(), int(glossa::protocol::kLineTooLong));
    QCOMPARE(c.call("version").at("protocol").get<int>(), glossa::protocol::kProtocolVersion);
    // A half line, then the end of input: answered before the backend closes.
    c.send_raw("{\"jsonrpc\":\"2.0\",\"id\":9,\"meth");
    c.shutdown_write();
    QCOMPARE(next_error(), int(glossa::protocol::kParseError));
    QVERIFY(!c.next(5s));
    QVERIFY(c.closed());
  }

  void sixtyFourClientsAtOnce() {
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 64; ++i)
      threads.emplace_back([&] {
        RpcClient c(backend_->socket().toStdString());
        for (int k = 0; k < 20; ++k)
          if (c.call("job.list").at("jobs").is_array() && k == 19) ++ok;
      });
    for (auto& t : threads) t.join();
    QCOMPARE(ok.load(), 64);
  }

  void anotherUserIsRefused() {
    if (::getuid() != 0)
      GLOSSA_MISSING("switching to user nobody needs root (CI and packaging/test.sh run as root)");
    // The backend may refuse and close before the request is written: a failed send is fine,
    // the refusal line is read either way.
    const QString py = "import socket,sys\ns=socket.socket(socket.AF_UNIX)\n"
                       "s.connect(sys.argv[1])\ntry:\n  s.sendall(b'{\"jsonrpc\":\"2.0\",\"id\":1,"
                       "\"method\":\"version\"}\\n')\nexcept OSError:\n  pass\n"
                       "print(s.recv(4096).decode())\n";
    // As configured, another user cannot even reach the socket (folder 0700, socket 0600).
    const auto denied = glossa::test::run(
        "setpriv", {"--reuid=nobody", "--regid=nogroup", "--clear-groups", "/usr/bin/python3", "-c", py,
                    backend_->socket()});
    QVERIFY(denied.exit_code != 0);
    QVERIFY2(denied.err.contains("Permission denied"), denied.err.constData());
    // Opened up by mistake, the peer's uid is still checked (SO_PEERCRED).
    const QStringList chain = {dir_.path(), path("b"), path("b/run"), path("b/run/glossa")};
    const auto set_modes = [&](int folders, int socket) {
      for (const QString& d : chain) ::chmod(d.toLocal8Bit().constData(), folders);
      ::chmod(backend_->socket().toLocal8Bit().constData(), socket);
    };
    set_modes(0755, 0666);
    const auto refused = glossa::test::run(
        "setpriv", {"--reuid=nobody", "--regid=nogroup", "--clear-groups", "/usr/bin/python3", "-c",
                    py, backend_->socket()});
    set_modes(0700, 0600);
    QVERIFY2(refused.exit_code == 0, refused.err.constData());
    QVERIFY2(refused.out.contains("is not the backend's user") && !refused.out.contains("result"),
             refused.out.constData());
  }

  void restartListsPastJobsAndMarksInterruptedOnes() {
    {
      RpcClient client(backend_->socket().toStdString());
      client.call("subscribe", {{"jobs", true}});
      const json options = {{"input", {corpus_.toStdString()}}, {"column", "review"},
                            {"vocab_size", 8000}, {"out", path("killed").toStdString()}};
      const int64_t id = client.call("job.submit", {{"job", "tokenizer.train"}, {"options", options}})
                             .at("job").at("id").get<int64_t>();
      QVERIFY(client.wait_notification([&](const Message& m) { return is(m, "job.progress", id); }, 120s));
    }
    backend_->kill9();
    // A socket file is left behind; the new backend replaces it.
    QVERIFY(QFile::exists(backend_->socket()));
    QVERIFY2(backend_->start(), qPrintable(backend_->error()));
    RpcClient client(backend_->socket().toStdString());
    const json jobs = client.call("job.list").at("jobs");
    std::map<std::string, int> states;
    for (const json& j : jobs) states[j.at("state").get<std::string>()] += 1;
    QCOMPARE(states["finished"], 1);     // corpus.stats
    QCOMPARE(states["cancelled"], 1);    // the cancelled training
    QCOMPARE(states["interrupted"], 1);  // the one running at the kill
    const json last = jobs.back();
    QCOMPARE(last.at("state").get<std::string>(), std::string("interrupted"));
    QVERIFY(!last.at("error").at("message").get<std::string>().empty());
  }

  void sigtermCancelsJobsAndExitsCleanly() {
    RpcClient client(backend_->socket().toStdString());
    client.call("subscribe", {{"jobs", true}});
    const json options = {{"input", {corpus_.toStdString()}}, {"column", "review"},
                          {"vocab_size", 8000}, {"out", path("terminated").toStdString()}};
    const int64_t id = client.call("job.submit", {{"job", "tokenizer.train"}, {"options", options}})
                           .at("job").at("id").get<int64_t>();
    QVERIFY(client.wait_notification([&](const Message& m) { return is(m, "job.progress", id); }, 120s));
    QCOMPARE(backend_->terminate(), 0);
    QVERIFY(!QFile::exists(backend_->socket()));
    QVERIFY2(QDir(dir_.path()).entryList({"terminated*"}).isEmpty(), "partial output left");
    QVERIFY2(backend_->start(), qPrintable(backend_->error()));
    RpcClient after(backend_->socket().toStdString());
    QCOMPARE(after.call("job.get", {{"id", id}}).at("job").at("state").get<std::string>(),
             std::string("cancelled"));
  }
};

QTEST_GUILESS_MAIN(TestBackendJobs)
#include "test_backend_jobs.moc"
