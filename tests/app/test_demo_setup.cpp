// ctest-labels: unit gui
// The demo, made through the real backend exactly as the first README command does on a fresh
// machine: base and Korean tokenizers trained from the generated corpora, an EEVE expansion into
// the demo project (a curve worth curating), shards packed, a tiny English Llama pretrained; then
// the EEVE run the New run dialog offers passes run.plan, and run to its end it shows what the
// demo promises: Korean held-out loss falling, English held-out loss visible beside it.
#include <signal.h>

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "app/backend_client.h"
#include "app/demo_project.h"
#include "app/demo_runs.h"
#include "app/demo_setup.h"
#include "support/test_support.h"

using glossa::app::BackendClient;
using nlohmann::json;

class TestDemoSetup : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::unique_ptr<BackendClient> client_;  // one backend for both demos

 private Q_SLOTS:
  void initTestCase() {
    glossa::test::use_private_xdg_dirs(dir_.path());
    BackendClient::Options o;
    o.backend_program = glossa::test::program("glossa-backend");
    client_ = std::make_unique<BackendClient>(o);
    client_->open();
    QTRY_VERIFY_WITH_TIMEOUT(client_->state() == BackendClient::State::kConnected, 30000);
  }

  void cleanupTestCase() {
    if (client_ && client_->backend_pid() > 0) ::kill(pid_t(client_->backend_pid()), SIGTERM);
  }

  void makesAVocabularySessionWorthCurating() {
    BackendClient& client = *client_;
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
    QCOMPARE(steps.size(), 7);
    for (const char* f : {"shards/en_base.manifest.json", "shards/ko.manifest.json",
                          "runs/base/export/config.json", "runs/base/export/model.safetensors"})
      QVERIFY2(QFile::exists(demo.directory + QLatin1Char('/') + QLatin1String(f)), f);
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
    // A second start finds every output: nothing runs again.
    steps.clear();
    setup.start();
    QTRY_VERIFY_WITH_TIMEOUT(finished.size() == 2 || !failed.isEmpty(), 300000);
    QCOMPARE(steps.size(), 0);
    checkTheEeveRun(client, demo);
  }

  // The second demo, on ../shared/data: 20,000 NSMC reviews cleaned, a Korean BPE, stories260K
  // imported, the EEVE expansion, shards; then the same EEVE run checks.
  void theStories260kDemoExtendsARealModel() {
    GLOSSA_REQUIRE_SHARED(stories, "models/stories260K/stories260K.bin");
    QString why;
    QVERIFY(glossa::ensureSharedDemoProject(dir_.filePath("nowhere"), &why, dir_.filePath("data")).directory.isEmpty());
    QVERIFY2(why.contains(QStringLiteral("stories260K.bin")), qPrintable(why));  // names what is missing
    BackendClient& client = *client_;
    const glossa::DemoProject demo =
        glossa::ensureSharedDemoProject(glossa::test::sharedData(), &why, dir_.filePath("data"));
    QVERIFY2(!demo.directory.isEmpty(), qPrintable(why));
    glossa::app::DemoSetup setup(&client, demo);
    QSignalSpy finished(&setup, &glossa::app::DemoSetup::finished);
    QSignalSpy failed(&setup, &glossa::app::DemoSetup::failed);
    int steps = 0;
    connect(&setup, &glossa::app::DemoSetup::progress, this, [&] { ++steps; });
    setup.start();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), 600000);
    QVERIFY2(failed.isEmpty(), qPrintable(failed.isEmpty() ? QString() : failed.front().front().toString()));
    QCOMPARE(steps, 6);
    // The Vocabulary page's data for a session whose base is llama2.c's tok512.bin (not a
    // SentencePiece file): the candidate table and the preview load.
    const json project = call(client, "project.open", {{"path", demo.project.toStdString()}});
    QVERIFY2(!project.contains("error"), project.dump().c_str());
    const json session = project.at("project").at("vocab_sessions").at(0).at("id");
    const json page = call(client, "vocab.candidates", {{"project", demo.project.toStdString()}, {"session", session}});
    QVERIFY2(!page.contains("error"), page.dump().c_str());
    QVERIFY(page.at("rows").size() > 100);
    const json preview = call(client, "vocab.preview", {{"project", demo.project.toStdString()}, {"session", session},
                                                        {"included", json::array({"▁영화"})}});
    QVERIFY2(!preview.contains("error"), preview.dump().substr(0, 500).c_str());
    QVERIFY(preview.at("base").at("tokens").get<int64_t>() > 0);
    checkTheEeveRun(client, demo);
  }

 private:
  static json call(BackendClient& client, const char* method, const json& params) {
    json out;
    client.call(QString::fromLatin1(method), params, [&](const json& r, const glossa::protocol::RpcError* e) {
      out = e ? json{{"error", e->message}} : r;
    });
    [&] { QTRY_VERIFY_WITH_TIMEOUT(!out.is_null(), 60000); }();
    return out;
  }

  // The run the dialog is prefilled with: planned, started, finished; eval curves as promised.
  void checkTheEeveRun(BackendClient& client, const glossa::DemoProject& demo) {
    const json params = glossa::app::demo_eeve_request(demo).params();
    const json plan = call(client, "run.plan", params);
    QVERIFY2(!plan.contains("error"), plan.dump().c_str());
    QCOMPARE(plan.at("stages").size(), size_t(7));
    QCOMPARE(plan.at("model").at("base_vocab").get<int64_t>(), int64_t(512));
    QVERIFY(plan.at("model").at("vocab_size").get<int64_t>() > 600);  // + the curated tokens
    QCOMPARE(plan.at("heldout").size(), size_t(2));
    const json started = call(client, "run.start", params);
    QVERIFY2(!started.contains("error"), started.dump().c_str());
    const json id = started.at("run").at("id");
    std::string state;
    QTRY_VERIFY_WITH_TIMEOUT((state = call(client, "run.get", {{"id", id}}).at("run").value("state", "")) ==
                                     "finished" || state == "failed",
                             300000);
    QCOMPARE(QString::fromStdString(state), QStringLiteral("finished"));
    const auto curve = [&](const char* series) {
      const json r = call(client, "metrics.query", {{"runs", {id}}, {"series", series}});
      const json& last = r.at("runs").at(0).at("last");
      return std::make_pair(last.front().get<double>(), last.back().get<double>());
    };
    const auto [ko_first, ko_last] = curve("eval:ko_heldout:loss");
    const auto [en_first, en_last] = curve("eval:en_heldout:loss");
    qInfo("demo EEVE: ko held-out loss %.3f -> %.3f, en %.3f -> %.3f", ko_first, ko_last, en_first, en_last);
    QVERIFY(ko_last < ko_first * 0.8);  // the new language is learnt
    QVERIFY(std::isfinite(en_last) && en_last > 0);
  }
};

QTEST_MAIN(TestDemoSetup)
#include "test_demo_setup.moc"
