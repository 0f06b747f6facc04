// ctest-labels: gui
#include <QtTest>

#include "app/backend_client.h"
#include "app/demo_project.h"
#include "app/main_window.h"

class TestMainWindow : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void showsProjectNameAndEveryPage() {
    glossa::MainWindow window(QStringLiteral("Korean EEVE"));
    window.show();
    QVERIFY(window.windowTitle().contains(QStringLiteral("Korean EEVE")));
    const QStringList expected{"Corpus", "Tokenizer", "Vocabulary", "Model",
                               "Stages", "Runs",      "Benchmarks"};
    QCOMPARE(window.pageTitles(), expected);
    window.showPage(4);
    QCOMPARE(window.currentPage(), 4);
  }

  void statusBarShowsTheBackendConnection() {
    QTemporaryDir dir;
    glossa::app::BackendClient::Options o;
    o.socket_path = dir.filePath("none/backend.sock");
    o.start_backend = false;
    o.reconnect_ms = 100;
    glossa::app::BackendClient backend(o);
    glossa::MainWindow window(QStringLiteral("Korean EEVE"), &backend);
    window.show();
    QCOMPARE(window.connectionText(), QStringLiteral("backend: not connected"));
    backend.open();
    QTRY_VERIFY2(window.connectionText().startsWith("backend: cannot reach the backend"),
                 qPrintable(window.connectionText()));
  }

  void demoProjectWritesItsOwnCorpus() {
    QTemporaryDir home;
    const glossa::DemoProject demo = glossa::ensureDemoProject(home.path());
    QFile corpus(demo.corpus);
    QVERIFY(corpus.open(QIODevice::ReadOnly));
    QVERIFY(corpus.readAll().contains("한국어"));
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
