// ctest-labels: unit gui
// The Runs page end to end, offscreen, with the real backend and a real (tiny) glossa-train run:
// planned and started from its RUN.json in the New run dialog, curves arrive live, pause and resume, the window closed and opened
// again mid-run finds the whole history from the backend and the stream going on, the tracker
// and the CSV export show the points, stop; and the stories260K demo's EEVE run through the New
// run dialog, both held-out curves, pause, resume, stop and resume from its checkpoint.
#include <signal.h>

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "app/backend_client.h"
#include "app/demo_project.h"
#include "app/demo_runs.h"
#include "app/demo_setup.h"
#include "app/runs/new_run_dialog.h"
#include "app/runs/run_list_model.h"
#include "app/runs/runs_page.h"
#include "support/test_support.h"
#include "support/tiny_run.h"
#include "widgets/qcustomplot_include.h"
#include "widgets/live_plot.h"

using glossa::app::BackendClient;
using glossa::app::RunsPage;

class TestRunsPage : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  qint64 backend_pid_ = 0;

  std::unique_ptr<BackendClient> connect_client() {
    BackendClient::Options o;
    o.backend_program = glossa::test::program("glossa-backend");
    auto client = std::make_unique<BackendClient>(o);
    client->open();
    if (!QTest::qWaitFor([&] { return client->state() == BackendClient::State::kConnected; }, 30000))
      return nullptr;
    if (client->backend_pid() > 0) backend_pid_ = client->backend_pid();
    return client;
  }

  // New run…: a preset without a base model is refused by run.plan with the reason, Start off;
  // the RUN.json is planned (the model and stages shown), Start on, accepting starts it.
  void startThroughTheDialog(RunsPage& page, const std::string& run_json) {
    glossa::app::NewRunRequest request;
    request.run_dir = dir_.filePath("eeve-without-model");
    request.sources = {{dir_.filePath("ko"), 1.0}};
    page.set_new_run_defaults(request);
    QPointer<glossa::app::NewRunDialog> dialog = page.open_new_run();
    QSignalSpy checked(dialog.data(), &glossa::app::NewRunDialog::planChecked);
    QTRY_VERIFY_WITH_TIMEOUT(!checked.isEmpty(), 30000);
    QCOMPARE(checked.takeFirst().front().toBool(), false);
    QVERIFY2(dialog->plan_text().contains(QStringLiteral("model")), qPrintable(dialog->plan_text()));
    request.config_file = QString::fromStdString(run_json);
    dialog->set_request(request);
    QTRY_VERIFY_WITH_TIMEOUT(!checked.isEmpty(), 30000);
    QVERIFY2(checked.takeFirst().front().toBool(), qPrintable(dialog->plan_text()));
    QCOMPARE(dialog->plan().at("model").at("layers").get<int64_t>(), int64_t(2));
    QVERIFY2(dialog->plan_text().contains(QStringLiteral("layers")), qPrintable(dialog->plan_text()));
    QVERIFY2(dialog->plan_text().contains(QStringLiteral("in float32")), qPrintable(dialog->plan_text()));
    glossa::app::NewRunRequest pure = request;  // a precision chosen in the form reaches RUN.json
    pure.config_file.clear();
    pure.dtype = QStringLiteral("bfloat16");
    QCOMPARE(pure.config().at("dtype").get<std::string>(), std::string("bfloat16"));
    pure.dtype.clear();
    QVERIFY(!pure.config().contains("dtype"));  // the run's default
    QVERIFY(!QFile::exists(dir_.filePath("run/metrics.sqlite")));  // planning wrote nothing
    if (const char* shots = std::getenv("GLOSSA_SCREENSHOTS"))
      dialog->grab().save(QString::fromLocal8Bit(shots) + QStringLiteral("/new-run.png"));
    dialog->accept();
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(QFile::exists(glossa::test::program("glossa-train")));
    glossa::test::use_private_xdg_dirs(dir_.path());
  }

  void cleanupTestCase() {
    if (backend_pid_ > 0) ::kill(pid_t(backend_pid_), SIGTERM);
  }

  void startWatchPauseReopenAndStop() {
    // Stopped by the test; the held-out set scored every 10 steps.
    nlohmann::json run = glossa::test::run_object(dir_.path().toStdString(), 100000);
    for (auto& stage : run["schedule"]["stages"]) stage["eval_every_steps"] = 10;
    const std::string run_json = dir_.filePath("RUN.json").toStdString();
    std::ofstream(run_json) << run.dump(2);
    qint64 id = 0;
    int seen_before_close = 0;
    {
      auto client = connect_client();
      QVERIFY(client);
      RunsPage page(client.get());
      page.resize(1200, 800);
      page.show();
      startThroughTheDialog(page, run_json);
      QTRY_VERIFY_WITH_TIMEOUT(page.model()->rowCount() == 1, 30000);
      id = page.model()->id_at(0);
      QTRY_VERIFY_WITH_TIMEOUT(page.plot()->curve_points(int(id)) >= 15, 120000);
      page.control("pause");
      QTRY_COMPARE_WITH_TIMEOUT(page.model()->state_of(id), QStringLiteral("paused"), 60000);
      const int paused_at = page.plot()->curve_points(int(id));
      QTest::qWait(1500);
      QVERIFY(page.plot()->curve_points(int(id)) <= paused_at + 1);  // the step in flight at most
      page.control("resume");
      QTRY_COMPARE_WITH_TIMEOUT(page.model()->state_of(id), QStringLiteral("running"), 60000);
      QTRY_VERIFY_WITH_TIMEOUT(page.plot()->curve_points(int(id)) >= paused_at + 5, 120000);
      page.plot()->track(3);
      QVERIFY2(page.plot()->tracker_text().contains(QStringLiteral("run %1 @ 3:").arg(id)),
               qPrintable(page.plot()->tracker_text()));
      QVERIFY(page.export_csv(dir_.filePath("loss.csv")));
      QFile csv(dir_.filePath("loss.csv"));
      QVERIFY(csv.open(QIODevice::ReadOnly));
      QVERIFY(csv.readLine().startsWith("curve,x,y"));
      QVERIFY(csv.readAll().count('\n') >= 2 * paused_at);  // raw and smoothed
      seen_before_close = page.plot()->curve_points(int(id));
      if (const QString shots = qEnvironmentVariable("GLOSSA_SCREENSHOTS"); !shots.isEmpty()) {
        QDir().mkpath(shots);
        QTest::qWait(100);  // the plot's coalesced redraw
        QVERIFY(page.grab().save(shots + "/runs.png"));
      }
    }  // the window closes; the run trains on
    auto client = connect_client();
    QVERIFY(client);
    RunsPage page(client.get());
    page.show();
    QSignalSpy history(&page, &RunsPage::historyLoaded);
    QTRY_VERIFY_WITH_TIMEOUT(!history.isEmpty(), 30000);
    QCOMPARE(history.front().at(0).toLongLong(), id);
    QVERIFY2(history.front().at(1).toInt() >= seen_before_close,
             qPrintable(QString("%1 < %2").arg(history.front().at(1).toInt()).arg(seen_before_close)));
    // The stage band comes back with the history (metrics.series' stages), and the plot exports.
    QTRY_VERIFY_WITH_TIMEOUT(!page.plot()->bands().empty(), 30000);
    QCOMPARE(page.plot()->bands().front().label, QStringLiteral("all"));
    QCOMPARE(page.plot()->bands().front().from, 1.0);
    QVERIFY(page.export_to(dir_.filePath("loss.svg")));
    QFile svg(dir_.filePath("loss.svg"));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    const QByteArray drawing = svg.readAll();
    QVERIFY2(drawing.contains("<svg") && drawing.contains("<polyline"), drawing.left(2000).constData());
    QVERIFY(!page.export_to(dir_.filePath("loss.bmpx")));  // a name it cannot export to
    // Zooming in asks the backend for the range in view at full resolution.
    QSignalSpy zoomed(&page, &RunsPage::zoomLoaded);
    QTest::mouseClick(page.plot()->plot(), Qt::LeftButton);  // the person takes the axes over
    QVERIFY(!page.plot()->following());
    page.plot()->plot()->xAxis->setRange(2, 12);
    QVERIFY(zoomed.wait(30000));
    QCOMPARE(zoomed.front().at(1).toInt(), 11);  // steps 2..12, every one
    page.fit_all();
    QTRY_VERIFY_WITH_TIMEOUT(history.size() >= 2, 30000);  // the whole history again
    QVERIFY(page.plot()->following());
    const int reopened = page.plot()->curve_points(int(id));
    QTRY_VERIFY_WITH_TIMEOUT(page.plot()->curve_points(int(id)) >= reopened + 3, 120000);  // live again
    page.set_series(QStringLiteral("tokens_per_s"));
    QTRY_VERIFY_WITH_TIMEOUT(history.size() >= 3, 30000);
    QVERIFY(history.back().at(1).toInt() > 0);
    // Held-out evaluations are series too (metrics.series, then run.eval as they come).
    const QString heldout = QStringLiteral("eval:ko_heldout:loss");
    QTRY_VERIFY2_WITH_TIMEOUT(page.series_names().contains(heldout),
                              qPrintable(page.series_names().join(", ")), 120000);
    page.set_series(heldout);
    QTRY_VERIFY_WITH_TIMEOUT(history.size() >= 4, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(page.plot()->curve_points(int(id)) >= 1, 120000);
    // Every held-out set at once: one curve per set, keyed apart from the run's own curve.
    const QString every = QStringLiteral("eval:*:loss");
    QVERIFY(page.series_names().contains(every));
    page.set_series(every);
    QTRY_VERIFY_WITH_TIMEOUT(history.size() >= 5, 30000);
    const int set_key = page.curve_key(id, heldout);
    QVERIFY(set_key != int(id));
    QTRY_VERIFY_WITH_TIMEOUT(page.plot()->curve_points(set_key) >= 1, 120000);
    page.control("stop");
    const bool stopped = QTest::qWaitFor(
        [&] { return page.model()->state_of(id) == QStringLiteral("stopped"); }, 120000);
    if (!stopped) {
      // Why, for whoever reads a failing log: the run's error and its trainer's last lines.
      nlohmann::json run_info;
      client->call("run.get", {{"id", id}}, [&](const nlohmann::json& r, const glossa::protocol::RpcError*) {
        run_info = r;
      });
      if (!QTest::qWaitFor([&] { return !run_info.is_null(); }, 10000)) qWarning("run.get: no answer");
      qWarning("run %lld ended %s: %s", (long long)id, qPrintable(page.model()->state_of(id)),
               run_info.dump(2).c_str());
    }
    QCOMPARE(page.model()->state_of(id), QStringLiteral("stopped"));
    QTRY_VERIFY2(page.status_text().contains(QStringLiteral("Run %1 stopped at step").arg(id)),
                 qPrintable(page.status_text()));  // not "started" any more
  }

  // The end-to-end run on real data: the stories260K demo (stories260K grown with Korean
  // tokens from NSMC reviews) set up through the backend, its EEVE run planned and started from
  // the New run dialog, loss and both held-out curves (Korean and English) arriving, pause and
  // resume, stop, then Resume starting it again from its last checkpoint, stop.
  void stories260kEeveRunFromTheDialog() {
    GLOSSA_REQUIRE_SHARED(stories, "models/stories260K/stories260K.bin");
    auto client = connect_client();
    QVERIFY(client);
    QString why;
    const glossa::DemoProject demo =
        glossa::ensureSharedDemoProject(glossa::test::sharedData(), &why, dir_.filePath("data"));
    QVERIFY2(!demo.directory.isEmpty(), qPrintable(why));
    glossa::app::DemoSetup setup(client.get(), demo);
    QSignalSpy ready(&setup, &glossa::app::DemoSetup::finished);
    QSignalSpy failed(&setup, &glossa::app::DemoSetup::failed);
    setup.start();
    QTRY_VERIFY_WITH_TIMEOUT(!ready.isEmpty() || !failed.isEmpty(), 240000);
    QVERIFY2(failed.isEmpty(), qPrintable(failed.isEmpty() ? QString() : failed.front().front().toString()));
    qInfo("stories260K demo set up");

    RunsPage page(client.get());
    page.resize(1200, 800);
    page.show();
    glossa::app::NewRunRequest request = glossa::app::demo_eeve_request(demo);
    request.steps_per_stage = 100000;  // stopped by the test
    page.set_new_run_defaults(request);
    QPointer<glossa::app::NewRunDialog> dialog = page.open_new_run();
    QSignalSpy checked(dialog.data(), &glossa::app::NewRunDialog::planChecked);
    QTRY_VERIFY_WITH_TIMEOUT(!checked.isEmpty(), 60000);
    QVERIFY2(checked.front().front().toBool(), qPrintable(dialog->plan_text()));
    QCOMPARE(dialog->plan().at("model").at("base_vocab").get<int64_t>(), int64_t(512));
    page.table()->clearSelection();
    dialog->accept();
    // The page selects the run it started (and only it).
    QTRY_VERIFY_WITH_TIMEOUT(page.selected_runs().size() == 1, 30000);
    const qint64 id = page.selected_runs().front();
    qInfo("run %lld started", (long long)id);
    QTRY_VERIFY_WITH_TIMEOUT(page.plot()->curve_points(int(id)) >= 12, 120000);  // training loss
    const QString every = QStringLiteral("eval:*:loss");
    QTRY_VERIFY2_WITH_TIMEOUT(page.series_names().contains(every), qPrintable(page.series_names().join(", ")), 180000);
    page.set_series(every);
    const int ko = page.curve_key(id, QStringLiteral("eval:ko_heldout:loss"));
    const int en = page.curve_key(id, QStringLiteral("eval:en_heldout:loss"));
    QVERIFY(ko != en);
    QTRY_VERIFY_WITH_TIMEOUT(page.plot()->curve_points(ko) >= 1 && page.plot()->curve_points(en) >= 1, 180000);
    page.control("pause");
    QTRY_COMPARE_WITH_TIMEOUT(page.model()->state_of(id), QStringLiteral("paused"), 60000);
    page.control("resume");
    QTRY_COMPARE_WITH_TIMEOUT(page.model()->state_of(id), QStringLiteral("running"), 60000);
    page.control("stop");
    QTRY_COMPARE_WITH_TIMEOUT(page.model()->state_of(id), QStringLiteral("stopped"), 120000);
    // Resume on a stopped run: again from its last checkpoint (run.resume_from_checkpoint).
    page.control("resume");
    const bool again = QTest::qWaitFor([&] { return page.model()->state_of(id) == QStringLiteral("running"); }, 120000);
    if (!again) {
      nlohmann::json info;
      client->call("run.get", {{"id", id}}, [&](const nlohmann::json& r, const glossa::protocol::RpcError* e) {
        info = e ? nlohmann::json(e->message) : r;
      });
      QTest::qWaitFor([&] { return !info.is_null(); }, 10000);
      qWarning("after Resume, run %lld is %s: %s (status: %s)", (long long)id,
               qPrintable(page.model()->state_of(id)), info.dump(2).c_str(), qPrintable(page.status_text()));
    }
    QVERIFY(again);
    page.control("stop");
    QTRY_COMPARE_WITH_TIMEOUT(page.model()->state_of(id), QStringLiteral("stopped"), 120000);
  }
};

QTEST_MAIN(TestRunsPage)
#include "test_runs_page.moc"
