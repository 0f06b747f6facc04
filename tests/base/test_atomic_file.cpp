// Atomic writes (base/atomic_file.h): a reader sees the old file or the complete new one; an
// abandoned or failed write leaves the old file and no temporary behind.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/file_util.h"
#include "support/test_support.h"

namespace {
QStringList entries(const QString& dir) {
  return QDir(dir).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot);
}
}  // namespace

class TestAtomicFile : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string path(const char* name) const { return dir_.filePath(name).toStdString(); }

 private Q_SLOTS:
  void commitReplacesTheFileAndLeavesNoTemporary() {
    glossa::write_file_atomically(path("a.txt"), "old");
    {
      glossa::AtomicFile f(path("a.txt"));
      f.write("new ");
      f.write(std::string(3 << 20, 'x'));  // larger than the buffer: written straight through
      QCOMPARE(QString::fromStdString(glossa::read_file(path("a.txt"))), QString("old"));
      f.commit();
    }
    const std::string text = glossa::read_file(path("a.txt"));
    QCOMPARE(text.size(), size_t(4 + (3 << 20)));
    QVERIFY(text.rfind("new ", 0) == 0);
    QCOMPARE(entries(dir_.path()), QStringList{"a.txt"});
  }

  void anUncommittedFileLeavesTheOldOneAndNoTemporary() {
    glossa::write_file_atomically(path("b.txt"), "old");
    {
      glossa::AtomicFile f(path("b.txt"));
      f.write("half");
      QCOMPARE(entries(dir_.path()).size(), 3);  // a.txt, b.txt and the temporary
    }  // destroyed without commit: a failure or a cancel
    QCOMPARE(QString::fromStdString(glossa::read_file(path("b.txt"))), QString("old"));
    QCOMPARE(entries(dir_.path()), (QStringList{"a.txt", "b.txt"}));
  }

  void writesAtOffsetsAndClosesBeforeRenaming() {
    glossa::AtomicFile f(path("c.bin"));
    f.write_at("world", 5, 6);
    f.write_at("hello ", 6, 0);
    f.close();  // complete under its temporary name
    QVERIFY(!QFile::exists(QString::fromStdString(path("c.bin"))));
    QVERIFY(QFile::exists(QString::fromStdString(f.temporary())));
    f.commit();
    QCOMPARE(QString::fromStdString(glossa::read_file(path("c.bin"))), QString("hello world"));
    QVERIFY_THROWS_EXCEPTION(glossa::Error, f.write("late"));
  }

  void aMissingFolderIsAnErrorNamingTheFile() {
    const QString e =
        glossa::test::error_of([&] { glossa::AtomicFile f(path("no/such/folder/d.txt")); });
    QVERIFY2(e.contains("d.txt") && e.contains("No such file"), qPrintable(e));
  }

  void renameIntoPlaceRemovesTheTemporaryWhenItFails() {
    const std::string temp = path(".e.tmp");
    glossa::write_file_atomically(temp, "x");
    const QString e = glossa::test::error_of(
        [&] { glossa::rename_into_place(temp, path("no/such/folder/e.txt")); });
    QVERIFY2(e.contains("e.txt"), qPrintable(e));
    QVERIFY(!QFile::exists(QString::fromStdString(temp)));
  }
};

QTEST_GUILESS_MAIN(TestAtomicFile)
#include "test_atomic_file.moc"
