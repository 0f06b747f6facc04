// ctest-labels: unit gui
// The workbench's backend client against the real glossa-backend: it starts the backend when
// none answers, checks the protocol version, gets replies and notifications, survives the
// backend being killed (starts a new one, replays its subscriptions), fails pending calls in
// plain words, and reports a backend of another protocol version as a state, not a crash (that
// one peer is a QLocalServer of the test: a real backend cannot speak another version).
#include <signal.h>

#include <QFile>
#include <QLocalServer>
#include <QLocalSocket>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "app/backend_client.h"
#include "support/test_support.h"

using glossa::app::BackendClient;
using nlohmann::json;

class TestBackendClient : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QList<qint64> started_;  // backends to kill at the end

  BackendClient::Options options() const {
    BackendClient::Options o;
    o.socket_path = dir_.filePath("run/glossa/backend.sock");
    o.backend_program = glossa::test::program("glossa-backend");
    o.reconnect_ms = 100;
    return o;
  }

  // job.finished / job.failed of a corpus.stats job on a small file the test writes.
  bool statsJobNotifies(BackendClient& client) {
    const QString corpus = dir_.filePath("small.txt");
    std::ofstream(corpus.toStdString()) << "한국어 문장 하나\n또 다른 문장\n";
    int64_t id = -1;
    bool finished = false;
    auto c = connect(&client, &BackendClient::notification, this,
                     [&](const QString& method, const json& params) {
                       if (method == "job.finished" && params.value("id", int64_t(-2)) == id)
                         finished = true;
                     });
    client.call("job.submit", {{"job", "corpus.stats"}, {"options", {{"files", {corpus.toStdString()}}}}},
                [&](const json& result, const glossa::protocol::RpcError* error) {
                  if (!error) id = result.at("job").at("id").get<int64_t>();
                });
    const bool ok = QTest::qWaitFor([&] { return finished; }, 30000);
    disconnect(c);
    return ok;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(QFile::exists(glossa::test::program("glossa-backend")));
    // The backend the client starts finds its folders through these (its child inherits them).
    glossa::test::use_private_xdg_dirs(dir_.path());
  }

  void cleanupTestCase() {
    for (qint64 pid : started_) ::kill(pid_t(pid), SIGTERM);
  }

  void startsTheBackendWhenNoneAnswersAndCalls() {
    BackendClient client(options());
    QCOMPARE(client.socket_path(), dir_.filePath("run/glossa/backend.sock"));
    QStringList states;
    connect(&client, &BackendClient::stateChanged, this,
            [&](BackendClient::State, const QString& text) { states << text; });
    client.open();
    QTRY_VERIFY_WITH_TIMEOUT(client.state() == BackendClient::State::kConnected, 30000);
    started_ << client.backend_pid();
    QVERIFY2(states.join("|").contains("starting the backend"), qPrintable(states.join("|")));
    json jobs;
    client.call("job.list", json::object(),
                [&](const json& result, const glossa::protocol::RpcError*) { jobs = result; });
    QTRY_VERIFY_WITH_TIMEOUT(jobs.contains("jobs"), 10000);
    QString error;
    client.call("job.get", {{"id", "x"}}, [&](const json&, const glossa::protocol::RpcError* e) {
      error = e ? QString::fromStdString(e->message) : "none";
    });
    QTRY_VERIFY_WITH_TIMEOUT(!error.isEmpty(), 10000);
    QVERIFY2(error.contains("\"id\" must be an integer"), qPrintable(error));
  }

  void notificationsFlowAndSurviveABackendRestart() {
    BackendClient client(options());
    client.subscribe({{"jobs", true}});
    client.open();
    QTRY_VERIFY_WITH_TIMEOUT(client.state() == BackendClient::State::kConnected, 30000);
    QVERIFY(statsJobNotifies(client));
    const qint64 first = client.backend_pid();
    bool lost = false;
    client.call("job.list", json::object(), [&](const json&, const glossa::protocol::RpcError* e) {
      lost = e != nullptr;
    });
    ::kill(pid_t(first), SIGKILL);
    // A new backend, started by the client, with the subscription replayed.
    QTRY_VERIFY_WITH_TIMEOUT(client.state() == BackendClient::State::kConnected &&
                                 client.backend_pid() != first,
                             30000);
    started_ << client.backend_pid();
    QVERIFY(statsJobNotifies(client));
    Q_UNUSED(lost);  // the reply may have come before the kill; either way no crash
  }

  void callsWhileDisconnectedFailInPlainWords() {
    BackendClient::Options o = options();
    o.socket_path = dir_.filePath("nowhere/backend.sock");
    o.start_backend = false;
    BackendClient client(o);
    client.open();
    QTRY_VERIFY_WITH_TIMEOUT(client.state() == BackendClient::State::kDisconnected, 10000);
    QString error;
    client.call("version", json::object(), [&](const json&, const glossa::protocol::RpcError* e) {
      error = QString::fromStdString(e->message);
    });
    QVERIFY2(error.startsWith("not connected to the backend"), qPrintable(error));
  }

  void anotherProtocolVersionIsAStateNotACrash() {
    QLocalServer server;
    const QString path = dir_.filePath("old.sock");
    QVERIFY(server.listen(path));
    connect(&server, &QLocalServer::newConnection, this, [&] {
      QLocalSocket* peer = server.nextPendingConnection();
      connect(peer, &QLocalSocket::readyRead, peer, [peer] {
        const json request = json::parse(peer->readLine().toStdString());
        peer->write(QByteArray::fromStdString(
            json({{"jsonrpc", "2.0"}, {"id", request.at("id")},
                  {"result", {{"protocol", 999}, {"build", "glossa 9"}, {"pid", 1}}}})
                .dump() + "\n"));
      });
    });
    BackendClient::Options o = options();
    o.socket_path = path;
    o.start_backend = false;
    BackendClient client(o);
    client.open();
    QTRY_VERIFY_WITH_TIMEOUT(client.state() == BackendClient::State::kIncompatible, 10000);
    QVERIFY2(client.state_text().contains("protocol 999, this workbench protocol 1"),
             qPrintable(client.state_text()));
  }
};

QTEST_MAIN(TestBackendClient)
#include "test_backend_client.moc"
