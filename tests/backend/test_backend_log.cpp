// The backend's log rotates: past max_bytes the file becomes backend.log.1 (the older ones shift
// to .2 .. .keep, the oldest is removed), so a backend that runs for months keeps a bounded log.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "backend/backend_log.h"

class TestBackendLog : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void rotatesAndKeepsABoundedNumberOfFiles() {
    QTemporaryDir dir;
    const QString path = dir.filePath("state/glossa/backend.log");  // folders made as needed
    {
      glossa::backend::BackendLog log(path.toStdString(), 1000, 2);
      for (int i = 0; i < 200; ++i) log.write("line " + std::to_string(i) + " of the backend's log");
    }
    QVERIFY(QFile::exists(path));
    QVERIFY(QFile::exists(path + ".1"));
    QVERIFY(QFile::exists(path + ".2"));
    QVERIFY(!QFile::exists(path + ".3"));
    for (const QString& f : {path, path + ".1", path + ".2"})
      QVERIFY2(QFileInfo(f).size() <= 1000, qPrintable(f));
    QFile current(path);
    QVERIFY(current.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(current.readAll());
    QVERIFY2(text.contains("line 199 of the backend's log"), qPrintable(text));  // the newest
    QVERIFY(text.startsWith("20"));  // each line starts with its UTC timestamp
  }

  void anAppendedLogKeepsItsSizeAcrossRestarts() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("backend.log").toStdString();
    { glossa::backend::BackendLog(path, 500, 1).write(std::string(300, 'a')); }
    { glossa::backend::BackendLog(path, 500, 1).write(std::string(300, 'b')); }
    // The second backend counted the first one's bytes: it rotated instead of growing past 500.
    QVERIFY(QFile::exists(QString::fromStdString(path + ".1")));
    QVERIFY(QFileInfo(QString::fromStdString(path)).size() <= 500);
  }
};

QTEST_GUILESS_MAIN(TestBackendLog)
#include "test_backend_log.moc"
