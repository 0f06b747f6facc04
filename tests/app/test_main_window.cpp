// ctest-labels: gui
#include <QtTest>

#include "app/backend_client.h"
#include "app/demo_corpus.h"
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

  void demoProjectWritesItsOwnCorpora() {
    QTemporaryDir home;
    const glossa::DemoProject demo = glossa::ensureDemoProject(home.path());
    QCOMPARE(demo.project, home.filePath("demo/demo.glossa"));
    QFile korean(demo.korean), english(demo.english);
    QVERIFY(korean.open(QIODevice::ReadOnly) && english.open(QIODevice::ReadOnly));
    const QString ko = QString::fromUtf8(korean.readAll());
    QCOMPARE(ko.count('\n'), 30000);
    QCOMPARE(QString::fromUtf8(english.readAll()).count('\n'), 12000);
    // Particles follow the final consonant: 책을 / 영화를, never 책를 / 영화을.
    QVERIFY(ko.contains("영화를") || ko.contains("영화는") || ko.contains("영화가"));
    for (const char* wrong : {"책를", "책는", "책가", "영화을", "영화은", "영화이"})
      QVERIFY2(!ko.contains(QString::fromUtf8(wrong)), wrong);
    // Zipf: the most frequent noun is far more common than a rare one.
    QVERIFY(ko.count("영화") > 10 * ko.count("우유"));
    // The same bytes every time; an existing demo is reused as it is.
    QCOMPARE(glossa::app::demo_korean_text(30000), ko);
    const QDateTime written = QFileInfo(demo.korean).lastModified();
    QTest::qWait(20);
    glossa::ensureDemoProject(home.path());
    QCOMPARE(QFileInfo(demo.korean).lastModified(), written);
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
