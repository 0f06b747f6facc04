// ctest-labels: unit data
// RequestFile reads the documented request format (docs/benchmarks-tasks.md): a file written by
// an independent Python writer (tests/python/harness_reference.py write_req) reads back with
// the same golds and ids, and broken files fail naming the line and the key.
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "support/test_support.h"
#include "base/error.h"
#include "training/data/request_file.h"

using glossa::RequestFile;

namespace {
const char* kHeader =
    R"({"format": "glossa-benchmark-requests", "version": 1, "task": "t", "group": "",)"
    R"( "metrics": ["acc"], "bos": true, "tokenizer_fingerprint": "x", "vocab_size": 10,)"
    R"( "documents": 1})";
const char* kDoc =
    R"({"doc": 0, "gold": 1, "choice_chars": [2, 3], "requests": [)"
    R"({"context": [1, 4], "continuation": [5]}, {"context": [1, 4], "continuation": [6, 7]}]})";

QString error_loading(const QTemporaryDir& dir, const std::string& text) {
  const std::string path = dir.filePath("r.jsonl").toStdString();
  std::ofstream(path, std::ios::binary) << text;
  try {
    RequestFile::load(path);
  } catch (const glossa::Error& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
  return s.replace(s.find(from), from.size(), to);
}
}  // namespace

class TestRequestFile : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void readsAHandWrittenFile() {
    QTemporaryDir dir;
    QCOMPARE(error_loading(dir, std::string(kHeader) + "\n" + kDoc + "\n"), QString());
    const auto f = RequestFile::load(dir.filePath("r.jsonl").toStdString());
    QCOMPARE(f.task, std::string("t"));
    QCOMPARE(int(f.docs.size()), 1);
    QCOMPARE(f.docs[0].gold, int64_t(1));
    QCOMPARE(f.docs[0].choices[1].continuation, (std::vector<int32_t>{6, 7}));
    QCOMPARE(f.request_count(), int64_t(2));
    QCOMPARE(f.max_sequence_length(), int64_t(4));
  }

  void brokenFilesFailNamingLineAndKey() {
    QTemporaryDir dir;
    const std::string h = kHeader, d = kDoc;
    const auto check = [&](const std::string& text, const QString& must) {
      const QString e = error_loading(dir, text);
      QVERIFY2(e.contains(must), qPrintable("expected '" + must + "' in: " + e));
    };
    check(replaced(h, "glossa-benchmark-requests", "other") + "\n" + d, "format");
    check(replaced(h, "\"version\": 1", "\"version\": 2") + "\n" + d, "version 2");
    check(h + "\n" + replaced(d, "\"gold\": 1", "\"gold\": 2"), "gold 2");
    check(h + "\n" + replaced(d, "[6, 7]", "[6, 10]"), "token id 10");
    check(h + "\n" + replaced(d, "[5]", "[]"), "empty");
    check(h + "\n" + replaced(d, "\"gold\": 1", "\"gold\": \"1\""), "'gold'");
    check(h + "\n" + replaced(d, "[2, 3]", "[2]"), "choice_chars");
    check(h + "\n" + d.substr(0, 20), "line 2");
    check(h + "\n", "announces 1 documents");
  }

  void readsTheFileThePythonReferenceWritesForCopa() {
    GLOSSA_REQUIRE_PYTHON(py);
    GLOSSA_REQUIRE_SHARED(model, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(data, "kobest/COPA/dev.tsv");
    QTemporaryDir dir;
    const QString out = dir.filePath("copa.jsonl");
    const auto r = glossa::test::run(py, {glossa::test::pythonScript("harness_reference.py"),
                                          "write_req", "kobest_copa", data, model, out});
    QVERIFY2(r.finished && r.exit_code == 0, r.err.constData());
    const QVariantMap ref = QJsonDocument::fromJson(r.out).toVariant().toMap();
    const auto f = RequestFile::load(out.toStdString());
    QCOMPARE(int(f.docs.size()), 500);
    QCOMPARE(f.group, std::string("kobest"));
    QCOMPARE(f.vocab_size, int64_t(32000));
    const QVariantList golds = ref.value("golds").toList();
    QCOMPARE(golds.size(), 500);
    for (int i = 0; i < 500; ++i) QCOMPARE(f.docs[size_t(i)].gold, golds[i].toLongLong());
    const QVariantList first = ref.value("first").toMap().value("continuation").toList();
    QCOMPARE(int(f.docs[0].choices[0].continuation.size()), int(first.size()));
    for (int i = 0; i < first.size(); ++i)
      QCOMPARE(int64_t(f.docs[0].choices[0].continuation[size_t(i)]), first[i].toLongLong());
    QCOMPARE(f.docs[0].choices[0].context.front(), 1);  // BOS
  }
};

QTEST_GUILESS_MAIN(TestRequestFile)
#include "test_request_file.moc"
