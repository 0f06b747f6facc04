// ctest-labels: unit gui
// The demo's first vocabulary session, made through the real backend exactly as the first README
// command does on a fresh machine: base and Korean tokenizers trained from the generated corpora,
// an EEVE expansion into the demo project; the page then has a curve worth curating.
#include <signal.h>

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "app/backend_client.h"
#include "app/demo_project.h"
#include "app/demo_setup.h"
#include "support/test_support.h"

using glossa::app::BackendClient;
using nlohmann::json;

class TestDemoSetup : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

 private Q_SLOTS:
  void makesAVocabularySessionWorthCurating() {
    glossa::test::use_private_xdg_dirs(dir_.path());
    BackendClient::Options o;
    o.backend_program = glossa::test::program("glossa-backend");
    BackendClient client(o);
    client.open();
    QTRY_VERIFY_WITH_TIMEOUT(client.state() == BackendClient::State::kConnected, 30000);
    const glossa::DemoProject demo = glossa::ensureDemoProject(dir_.filePath("data"));
    QVERIFY(!demo.directory.isEmpty());
    glossa::app::DemoSetup setup(&client, demo);
    QSignalSpy finished(&setup, &glossa::app::DemoSetup::finished);
    QSignalSpy failed(&setup, &glossa::app::DemoSetup::failed);
    QStringList steps;
    connect(&setup, &glossa::app::DemoSetup::progress, this, [&](const QString& m) { steps << m; });
    setup.start();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), 300000);
    QVERIFY2(failed.isEmpty(), qPrintable(failed.isEmpty() ? QString() : failed.front().front().toString()));
    QCOMPARE(steps.size(), 3);
    json project;
    client.call("project.open", {{"path", demo.project.toStdString()}},
                [&](const json& r, const glossa::protocol::RpcError* e) { project = e ? json(e->message) : r; });
    QTRY_VERIFY(!project.is_null());
    QVERIFY2(project.is_object(), project.dump().c_str());
    const json& sessions = project.at("project").at("vocab_sessions");
    QCOMPARE(sessions.size(), size_t(1));
    json page;
    client.call("vocab.candidates", {{"project", demo.project.toStdString()},
                                     {"session", sessions.at(0).at("id")}},
                [&](const json& r, const glossa::protocol::RpcError* e) { page = e ? json(e->message) : r; });
    QTRY_VERIFY(!page.is_null());
    QVERIFY2(page.is_object(), page.dump().c_str());
    // Enough candidates on both sides of the line, counts over two decades.
    int64_t top = 0, kept = 0, dropped = 0;
    for (const json& r : page.at("rows")) {
      top = std::max(top, r.at(1).get<int64_t>());
      kept += r.at(5) == "included";
      dropped += r.at(5) == "excluded";
    }
    qInfo("demo: %zu candidates, %lld included, %lld excluded, top count %lld",
          page.at("rows").size(), (long long)kept, (long long)dropped, (long long)top);
    QVERIFY(kept >= 100);
    QVERIFY(dropped >= 20);
    QVERIFY(top >= 100 * page.at("min_freq").get<int64_t>() / 10);
    // A second start reuses the trained tokenizers: only the expansion runs again.
    steps.clear();
    setup.start();
    QTRY_VERIFY_WITH_TIMEOUT(finished.size() == 2 || !failed.isEmpty(), 300000);
    QCOMPARE(steps.size(), 1);
    ::kill(pid_t(client.backend_pid()), SIGTERM);
  }
};

QTEST_MAIN(TestDemoSetup)
#include "test_demo_setup.moc"
