// The folder names tell the architecture: the README's layout table lists every top-level folder
// (and nothing that is not there), every listed folder has a README, and every folder README's
// table names files and folders that exist — and, for base/ and jobs/, every unit there is.
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QProcess>
#include <QFile>
#include <QRegularExpression>
#include <QtTest>

namespace {

const QString kRoot = QStringLiteral(GLOSSA_SOURCE_DIR);

QString read(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

// The backticked names in the first cell of each table row.
QStringList first_cell_names(const QString& markdown) {
  QStringList names;
  static const QRegularExpression row("^\\|([^|]*)\\|", QRegularExpression::MultilineOption);
  static const QRegularExpression tick("`([^`]+)`");
  for (auto rows = row.globalMatch(markdown); rows.hasNext();)
    for (auto t = tick.globalMatch(rows.next().captured(1)); t.hasNext();)
      names << t.next().captured(1);
  return names;
}

}  // namespace

class TestLayout : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // Every skip goes through GLOSSA_MISSING (a failure in CI) or the allow-listed
  // GLOSSA_ALLOWED_SKIP, whose uses tests/README.md lists.
  void testsSkipOnlyThroughTheMacros() {
    const QString readme = read(kRoot + "/tests/README.md");
    QDirIterator it(kRoot + "/tests", {"*.cpp", "*.h"}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
      const QString file = it.next();
      if (file.endsWith("support/test_support.h") || file.endsWith("docs/test_layout.cpp"))
        continue;  // where the macros are defined, and this check's own strings
      const QString text = read(file);
      QVERIFY2(!text.contains(QRegularExpression("\\bQSKIP\\(")),
               qPrintable(file + " calls QSKIP: use GLOSSA_MISSING or GLOSSA_ALLOWED_SKIP"));
      if (text.contains("GLOSSA_ALLOWED_SKIP("))
        QVERIFY2(readme.contains(QFileInfo(file).fileName()),
                 qPrintable(file + " has an allowed skip that tests/README.md does not list"));
    }
  }

  // Under packaging/test.sh and in CI a missing prerequisite fails: the same data test, without
  // its shared data, skips when run by hand and fails in strict mode.
  void strictSkipsFailAMissingPrerequisite() {
    const QString test = QStringLiteral(GLOSSA_BIN_DIR) + "/test_model_merge";
    QVERIFY2(QFile::exists(test), qPrintable(test));
    for (const bool strict : {false, true}) {
      QProcess p;
      QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
      env.insert("GLOSSA_SHARED_DATA", "/nonexistent/shared/data");
      env.remove("CI");
      env.insert("GLOSSA_STRICT_SKIPS", strict ? "1" : "0");
      p.setProcessEnvironment(env);
      p.start(test, {"llama2PlusChineseGivesPublishedVocabularySize"});
      QVERIFY(p.waitForFinished(60000));
      const QString out = p.readAllStandardOutput();
      QCOMPARE(p.exitCode() != 0, strict);
      QVERIFY2(out.contains(strict ? "missing prerequisite" : "SKIP"), qPrintable(out));
    }
  }

  void readmeListsEveryTopLevelFolder() {
    const QString readme = read(kRoot + "/README.md");
    const int at = readme.indexOf("## Layout");
    QVERIFY(at >= 0);
    QStringList listed;
    for (const QString& name : first_cell_names(readme.mid(at))) listed << name.chopped(1);
    const QStringList folders =
        QDir(kRoot).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QString& folder : folders) {
      if (folder.startsWith("build")) continue;
      QVERIFY2(listed.contains(folder), qPrintable("README's layout lacks " + folder + "/"));
    }
    for (const QString& folder : listed) {
      QVERIFY2(QDir(kRoot + "/" + folder).exists(), qPrintable("no folder " + folder));
      if (folder != "cmake")
        QVERIFY2(QFile::exists(kRoot + "/" + folder + "/README.md"),
                 qPrintable(folder + "/ has no README.md"));
    }
  }

  void folderReadmesNameWhatExists() {
    for (const QString& folder : QDir(kRoot).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
      const QString dir = kRoot + "/" + folder;
      for (const QString& name : first_cell_names(read(dir + "/README.md"))) {
        if (name.contains(' ') || name.contains('*')) continue;  // prose, not a name
        const bool exists = name.endsWith('/') ? QDir(dir + "/" + name).exists()
                            : name.contains('.') ? QFile::exists(dir + "/" + name)
                                                 : QFile::exists(dir + "/" + name + ".h") ||
                                                       QFile::exists(dir + "/" + name + ".cpp");
        QVERIFY2(exists, qPrintable(folder + "/README.md names " + name + ", which is not there"));
      }
    }
  }

  void baseAndJobsReadmesNameEveryUnit() {
    for (const QString& folder : {QString("base"), QString("jobs")}) {
      const QString readme = read(kRoot + "/" + folder + "/README.md");
      for (const QString& file : QDir(kRoot + "/" + folder).entryList({"*.h", "*.cpp"})) {
        const QString stem = file.section('.', 0, 0);
        QVERIFY2(readme.contains("`" + stem) || readme.contains(file),
                 qPrintable(folder + "/README.md does not name " + stem));
      }
    }
  }

  void trainingAndTokenizerReadmesNameEverySubfolder() {
    for (const QString& folder : {QString("training"), QString("tokenizer")}) {
      const QString readme = read(kRoot + "/" + folder + "/README.md");
      for (const QString& sub : QDir(kRoot + "/" + folder).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        QVERIFY2(readme.contains("`" + sub + "/`"),
                 qPrintable(folder + "/README.md does not name " + sub + "/"));
    }
  }
};

QTEST_GUILESS_MAIN(TestLayout)
#include "test_layout.moc"
