// Atomic writes (base/atomic_file.h): a reader sees the old file or the complete new one; an
// abandoned or failed write leaves the old file and no temporary behind. Several outputs
// (base/output_batch.h) appear together or not at all.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "base/atomic_file.h"
#include "base/output_batch.h"
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
  // Nothing of an uncommitted batch stays: no file, no temporary, no folder it created; a file
  // that was there before keeps its bytes.
  void outputBatchWithoutCommitLeavesNothing() {
    QTemporaryDir dir;
    const std::string old_file = dir.filePath("old.txt").toStdString();
    glossa::write_file_atomically(old_file, "before");
    {
      glossa::OutputBatch batch;
      batch.make_dirs(dir.filePath("a/b").toStdString());
      batch.write(dir.filePath("a/b/one.txt").toStdString(), "1");
      batch.write(old_file, "after");
      const std::string staged = batch.stage_folder(dir.filePath("model").toStdString());
      glossa::write_file_atomically(staged + "/config.json", "{}");
    }  // an exception would unwind here
    QCOMPARE(entries(dir.path()), QStringList{"old.txt"});
    QVERIFY(!QDir(dir.filePath("a")).exists());
    QVERIFY(!QDir(dir.filePath("model")).exists());
    QCOMPARE(glossa::read_file(old_file), std::string("before"));
  }

  void outputBatchCommitWritesEverything() {
    QTemporaryDir dir;
    glossa::OutputBatch batch;
    batch.make_dirs(dir.filePath("a").toStdString());
    batch.write(dir.filePath("a/one.txt").toStdString(), "1");
    glossa::AtomicFile& two = batch.open(dir.filePath("two.txt").toStdString());
    two.write("2");
    const std::string model = dir.filePath("model").toStdString();
    QDir().mkpath(dir.filePath("model"));
    glossa::write_file_atomically(model + "/kept.txt", "kept");
    glossa::write_file_atomically(model + "/config.json", "old");
    const std::string staged = batch.stage_folder(model);
    glossa::write_file_atomically(staged + "/config.json", "new");
    batch.commit();
    QCOMPARE(glossa::read_file(dir.filePath("a/one.txt").toStdString()), std::string("1"));
    QCOMPARE(glossa::read_file(dir.filePath("two.txt").toStdString()), std::string("2"));
    QCOMPARE(glossa::read_file(model + "/config.json"), std::string("new"));
    QCOMPARE(glossa::read_file(model + "/kept.txt"), std::string("kept"));
    QCOMPARE(entries(dir.path()), QStringList{"two.txt"});  // no temporaries left
  }

  // A folder where an output file should go fails the commit before any rename.
  void outputBatchFolderInTheWayFailsBeforeAnyRename() {
    QTemporaryDir dir;
    QDir().mkpath(dir.filePath("report.json"));
    const QString error = glossa::test::error_of([&] {
      glossa::OutputBatch batch;
      batch.write(dir.filePath("data.jsonl").toStdString(), "{}\n");
      batch.write(dir.filePath("report.json").toStdString(), "{}");
      batch.commit();
    });
    QVERIFY2(error.contains("report.json") && error.contains("is a folder"), qPrintable(error));
    QCOMPARE(entries(dir.path()), QStringList{});
  }
};

QTEST_GUILESS_MAIN(TestAtomicFile)
#include "test_atomic_file.moc"
