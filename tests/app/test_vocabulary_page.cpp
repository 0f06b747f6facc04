// ctest-labels: unit gui data
// The Vocabulary page end to end, offscreen, with the real backend: a project created through
// the window, an expansion run as a backend job, the page loading its candidates; curating
// (drag the min-frequency line on the plot, exclude a row, undo, redo), the decisions saved in
// the project, then "Iterate": the merged tokenizer the backend writes equals, byte for byte,
// what `glossa-cli vocab expand` writes with the same decisions.
#include "widgets/qcustomplot_include.h"
#include <signal.h>

#include <QElapsedTimer>
#include <QFile>
#include <QTableView>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>
#include <fstream>

#include "app/backend_client.h"
#include "app/main_window.h"
#include "app/project_controller.h"
#include "app/vocab/candidate_filter_proxy.h"
#include "app/vocab/candidate_table_model.h"
#include "app/vocab/preview_panel.h"
#include "app/vocab/vocabulary_page.h"
#include "support/test_support.h"
#include "widgets/rank_frequency_plot.h"

using glossa::app::BackendClient;
using glossa::app::CandidateTableModel;
using nlohmann::json;

class TestVocabularyPage : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::unique_ptr<BackendClient> client_;
  QString llama_, corpus_;

  QString path(const QString& name) const { return dir_.filePath(name); }

  // A job through the backend; its result, or null (and a warning) when it fails.
  json run_job(const std::string& name, const json& options) {
    int64_t id = -1;
    json result;
    bool done = false;
    auto c = connect(client_.get(), &BackendClient::notification, this,
                     [&](const QString& method, const json& params) {
                       if (params.value("id", int64_t(-2)) != id) return;
                       if (method == "job.finished") result = params.at("result");
                       if (method == "job.failed") qWarning("%s", params.dump().c_str());
                       done = done || method == "job.finished" || method == "job.failed";
                     });
    client_->call("job.submit", {{"job", name}, {"options", options}},
                  [&](const json& r, const glossa::protocol::RpcError* e) {
                    if (e) qWarning("%s", e->message.c_str()), done = true;
                    else id = r.at("job").at("id").get<int64_t>();
                  });
    if (!QTest::qWaitFor([&] { return done; }, 300000)) qWarning("%s: timed out", name.c_str());
    disconnect(c);
    return result;
  }

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);  // QSettings of the test, not the user's
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    llama_ = llama;
    QFile in(nsmc);
    QVERIFY(in.open(QIODevice::ReadOnly));
    std::ofstream out(path("ko.txt").toStdString());
    in.readLine();
    for (int i = 0; i < 6000 && !in.atEnd(); ++i) {
      const QList<QByteArray> cols = in.readLine().trimmed().split('\t');
      if (cols.size() >= 5) out << cols[4].toStdString() << '\n';
    }
    out.close();
    corpus_ = path("ko.txt");
    glossa::test::use_private_xdg_dirs(dir_.path());
    BackendClient::Options o;
    o.backend_program = glossa::test::program("glossa-backend");
    client_ = std::make_unique<BackendClient>(o);
    client_->subscribe({{"jobs", true}});
    client_->open();
    QTRY_VERIFY_WITH_TIMEOUT(client_->state() == BackendClient::State::kConnected, 30000);
    QVERIFY(!run_job("tokenizer.train", {{"input", {corpus_.toStdString()}}, {"vocab_size", 2000},
                                         {"character_coverage", 0.995}, {"threads", 1},
                                         {"out", path("ko").toStdString()}}).is_null());
  }

  void cleanupTestCase() {
    if (client_ && client_->backend_pid() > 0) ::kill(pid_t(client_->backend_pid()), SIGTERM);
  }

  void curateUndoAndIterateLikeTheCli() {
    glossa::MainWindow window(QStringLiteral("test"), client_.get());
    window.resize(1400, 900);
    window.show();
    const QString project = path("korean.glossa");
    window.projects()->open(project, true, QStringLiteral("Korean EEVE"));
    QTRY_VERIFY(window.windowTitle().startsWith(QStringLiteral("Korean EEVE")));
    QVERIFY(window.projects()->recent().contains(QFileInfo(project).absoluteFilePath()));
    const json first = run_job("vocab.expand",
                               {{"base", llama_.toStdString()}, {"intermediate", path("ko.model").toStdString()},
                                {"corpus", {corpus_.toStdString()}}, {"script", "hangul"}, {"min_freq", 40},
                                {"out", path("expanded").toStdString()}, {"project", project.toStdString()}});
    QVERIFY(!first.is_null());
    glossa::app::VocabularyPage* page = window.vocabularyPage();
    QSignalSpy loaded(page, &glossa::app::VocabularyPage::loaded);
    window.projects()->open(project);
    window.showPage(2);
    QVERIFY(loaded.wait(60000));
    CandidateTableModel* model = page->model();
    QVERIFY(model->rowCount() > 100);
    QCOMPARE(model->min_freq(), qint64(40));
    QCOMPARE(model->included_count(), first.at("final").at("size").get<int>() - 32000);

    // Drag the line up on the plot: fewer tokens included; one undo step.
    QWidget* canvas = page->plot()->plot();
    page->plot()->plot()->replot(QCustomPlot::rpImmediateRefresh);
    const int y = page->plot()->threshold_pixel();
    const int included_before = model->included_count();
    QTest::mousePress(canvas, Qt::LeftButton, {}, QPoint(canvas->width() / 2, y));
    QTest::mouseMove(canvas, QPoint(canvas->width() / 2, y - 20));
    QTest::mouseMove(canvas, QPoint(canvas->width() / 2, y - 40));
    QTest::mouseRelease(canvas, Qt::LeftButton, {}, QPoint(canvas->width() / 2, y - 40));
    const qint64 line = model->min_freq();
    QVERIFY2(line > 40, qPrintable(QString::number(line)));
    QVERIFY(model->included_count() < included_before);
    QCOMPARE(window.undoStack()->count(), 1);
    QVERIFY(page->summary().contains(QLocale().toString(model->included_count())));
    // The preview follows: the merged tokenizer shortens the sample, less so with fewer tokens.
    QSignalSpy previewed(page, &glossa::app::VocabularyPage::previewUpdated);
    QVERIFY(previewed.wait(30000));
    const double ratio_after_drag = previewed.back().at(0).value<json>().at("length_ratio").get<double>();
    QVERIFY2(ratio_after_drag < 0.9, qPrintable(QString::number(ratio_after_drag)));
    QVERIFY(page->preview()->summary().contains(QStringLiteral("%")));
    QVERIFY(page->preview()->inspected_html().contains(QStringLiteral("merged")));

    // Exclude the most frequent included token (the table is sorted by frequency), undo, redo.
    QTableView* table = page->table();
    table->selectRow(0);
    const QString top = table->model()->index(0, CandidateTableModel::kToken).data().toString();
    const int row = model->row_of(top);
    QCOMPARE(model->status(row), QStringLiteral("included"));
    QElapsedTimer since_decision;
    since_decision.start();
    page->decide_selected(QStringLiteral("exclude"));
    QCOMPARE(model->status(row), QStringLiteral("excluded"));
    QVERIFY(previewed.wait(30000));
    qInfo("preview %lld ms after an exclusion (150 ms of it the debounce)", since_decision.elapsed());
    const json after_exclude = previewed.back().at(0).value<json>();
    QVERIFY(after_exclude.at("length_ratio").get<double>() > ratio_after_drag);  // longer without it
    QVERIFY(after_exclude.at("reencoded_words").get<int64_t>() < after_exclude.at("distinct_words").get<int64_t>());
    QCOMPARE(page->plot()->marked_count(), 1);  // the selected row on the curve
    // GLOSSA_SCREENSHOTS=DIR: what a person sees now (docs/screenshots is made this way).
    if (const QString shots = qEnvironmentVariable("GLOSSA_SCREENSHOTS"); !shots.isEmpty()) {
      QDir().mkpath(shots);
      QTest::qWait(100);  // the plot's queued replot
      QVERIFY(window.grab().save(shots + "/vocabulary.png"));
    }
    window.undoStack()->undo();
    QCOMPARE(model->status(row), QStringLiteral("included"));
    window.undoStack()->redo();
    QCOMPARE(model->status(row), QStringLiteral("excluded"));
    // The project holds the decision (after the undo and the redo: the latest is exclude).
    json overrides;
    client_->call("vocab.overrides", {{"project", project.toStdString()}, {"session", page->session()}},
                  [&](const json& r, const glossa::protocol::RpcError*) { overrides = r; });
    QTRY_VERIFY(!overrides.is_null());
    QCOMPARE(overrides.at("overrides").size(), size_t(1));
    QCOMPARE(overrides.at("overrides").at(0).at("action"), json("exclude"));

    // Iterate: a new session from the backend, then the CLI with the same decisions.
    QSignalSpy iterated(page, &glossa::app::VocabularyPage::iterationFinished);
    const qint64 old_session = page->session();
    page->iterate();
    QVERIFY2(iterated.wait(300000), qPrintable(page->status_text()));
    QVERIFY(loaded.wait(60000) || model->rowCount() > 0);
    QVERIFY(page->session() != old_session);
    QCOMPARE(model->status(model->row_of(top)), QStringLiteral("forced out"));
    const QStringList outs = QDir(path("vocab")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    QCOMPARE(outs.size(), 1);
    const QString gui_model = path("vocab/" + outs.front() + "/tokenizer.model");
    const auto cli = glossa::test::run(
        glossa::test::program("glossa-cli"),
        {"vocab", "expand", "--base", llama_, "--intermediate", path("ko.model"), "--corpus", corpus_,
         "--script", "hangul", "--min-freq", QString::number(line), "--exclude", top, "--out",
         path("cli"), "--quiet"});
    QVERIFY2(cli.exit_code == 0, cli.err.constData());
    QFile a(gui_model), b(path("cli/tokenizer.model"));
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    const QByteArray gui_bytes = a.readAll();
    QVERIFY(gui_bytes.size() > 1000);
    QVERIFY2(gui_bytes == b.readAll(), "the workbench's merged tokenizer differs from the CLI's");
  }
};

QTEST_MAIN(TestVocabularyPage)
#include "test_vocabulary_page.moc"
