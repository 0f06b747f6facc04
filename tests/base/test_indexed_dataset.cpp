// ctest-labels: unit
#include <sys/resource.h>

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>

#include "support/test_support.h"
#include "base/error.h"
#include "base/file_util.h"
#include "base/indexed_dataset.h"

using glossa::IndexedDatasetReader;
using glossa::IndexedDatasetWriter;
using glossa::TokenDtype;

namespace {

using Docs = std::vector<std::vector<int32_t>>;

// Random documents, some empty, ids below `vocab`.
Docs random_docs(int count, int32_t vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> length(0, 300);
  std::uniform_int_distribution<int32_t> id(0, vocab - 1);
  Docs docs(count);
  for (auto& doc : docs) {
    doc.resize(length(rng) < 10 ? 0 : length(rng));
    for (auto& x : doc) x = id(rng);
  }
  docs.front().push_back(vocab - 1);  // the largest id must survive the dtype
  return docs;
}

void write_docs(const std::string& prefix, TokenDtype dtype, const Docs& docs) {
  IndexedDatasetWriter writer(prefix, dtype);
  for (const auto& doc : docs) writer.add_document(doc);
  writer.finish();
}

void expect_error(const std::string& prefix, const QString& must_contain) {
  try {
    IndexedDatasetReader reader(prefix);
    QFAIL(qPrintable("accepted a damaged dataset; expected an error with: " + must_contain));
  } catch (const glossa::Error& e) {
    QVERIFY2(QString(e.what()).contains(must_contain), e.what());
  }
}

void truncate_file(const std::string& path, uint64_t bytes) {
  std::filesystem::resize_file(path, bytes);
}

}  // namespace

class TestIndexedDataset : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void dtypeFollowsVocabularySize() {
    QCOMPARE(glossa::dtype_for_vocab(32000), TokenDtype::kUint16);
    QCOMPARE(glossa::dtype_for_vocab(65535), TokenDtype::kUint16);
    QCOMPARE(glossa::dtype_for_vocab(65536), TokenDtype::kInt32);
    QCOMPARE(glossa::dtype_for_vocab(128256), TokenDtype::kInt32);
  }

  void roundTripsRandomDocuments_data() {
    QTest::addColumn<int>("dtype");
    QTest::addColumn<int>("vocab");
    QTest::newRow("uint16") << int(TokenDtype::kUint16) << 65536;
    QTest::newRow("int32") << int(TokenDtype::kInt32) << 250000;
  }
  void roundTripsRandomDocuments() {
    QFETCH(int, dtype);
    QFETCH(int, vocab);
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("shard").toStdString();
    const Docs docs = random_docs(500, vocab, 7);
    write_docs(prefix, TokenDtype(dtype), docs);
    IndexedDatasetReader reader(prefix);
    QCOMPARE(int(reader.dtype()), dtype);
    QCOMPARE(reader.documents(), uint64_t(docs.size()));
    QCOMPARE(reader.sequences(), uint64_t(docs.size()));
    uint64_t tokens = 0;
    for (size_t j = 0; j < docs.size(); ++j) tokens += docs[j].size();
    QCOMPARE(reader.tokens(), tokens);
    QCOMPARE(glossa::file_size(prefix + ".bin"), tokens * glossa::dtype_bytes(TokenDtype(dtype)));
    // Random access in a scrambled order.
    for (size_t k = 0; k < docs.size(); ++k) {
      const size_t j = (k * 211) % docs.size();
      QVERIFY2(reader.document(j) == docs[j], qPrintable(QString("document %1").arg(j)));
    }
  }

  void documentsOfSeveralSequencesKeepTheirBoundaries() {
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("multi").toStdString();
    {
      IndexedDatasetWriter writer(prefix, TokenDtype::kUint16);
      writer.add_sequence(std::vector<int32_t>{1, 2, 3});
      writer.add_sequence(std::vector<int32_t>{4});
      writer.end_document();
      writer.add_document(std::vector<int32_t>{5, 6});
      writer.add_sequence(std::vector<int32_t>{7});  // left open: finish() closes the document
      writer.finish();
    }
    IndexedDatasetReader reader(prefix);
    QCOMPARE(reader.sequences(), uint64_t(4));
    QCOMPARE(reader.documents(), uint64_t(3));
    QCOMPARE(reader.document_start(1), int64_t(2));
    QCOMPARE(reader.document_start(3), int64_t(4));
    QCOMPARE(reader.sequence(1), std::vector<int32_t>({4}));
    QCOMPARE(reader.sequence_pointer(2), int64_t(8));  // 4 uint16 ids before it
    QCOMPARE(reader.document(0), std::vector<int32_t>({1, 2, 3, 4}));
    QCOMPARE(reader.document(2), std::vector<int32_t>({7}));
    QVERIFY_THROWS_EXCEPTION(glossa::Error, reader.document(3));
    QVERIFY_THROWS_EXCEPTION(glossa::Error, reader.sequence(4));
  }

  void emptyDatasetIsValid() {
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("empty").toStdString();
    write_docs(prefix, TokenDtype::kUint16, {});
    IndexedDatasetReader reader(prefix);
    QCOMPARE(reader.documents(), uint64_t(0));
    QCOMPARE(reader.tokens(), uint64_t(0));
  }

  void pythonReaderReadsIdenticalIds_data() {
    QTest::addColumn<int>("dtype");
    QTest::addColumn<int>("vocab");
    QTest::newRow("uint16") << int(TokenDtype::kUint16) << 32000;
    QTest::newRow("int32") << int(TokenDtype::kInt32) << 100000;
  }
  void pythonReaderReadsIdenticalIds() {
    QFETCH(int, dtype);
    QFETCH(int, vocab);
    GLOSSA_REQUIRE_PYTHON(py);
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("py").toStdString();
    const Docs docs = random_docs(200, vocab, 11);
    write_docs(prefix, TokenDtype(dtype), docs);
    const auto result =
        glossa::test::run(py, {glossa::test::pythonScript("read_indexed_dataset.py"),
                               QString::fromStdString(prefix), "--documents"});
    QVERIFY2(result.finished && result.exit_code == 0, result.err.constData());
    const QJsonObject out = QJsonDocument::fromJson(result.out).object();
    QCOMPARE(out["dtype"].toString(), QString(glossa::dtype_name(TokenDtype(dtype))));
    QCOMPARE(out["documents"].toInt(), int(docs.size()));
    const QJsonArray read = out["document_ids"].toArray();
    QCOMPARE(read.size(), qsizetype(docs.size()));
    for (size_t j = 0; j < docs.size(); ++j) {
      const QJsonArray ids = read[j].toArray();
      QCOMPARE(ids.size(), qsizetype(docs[j].size()));
      for (size_t k = 0; k < docs[j].size(); ++k) QCOMPARE(ids[k].toInt(), docs[j][k]);
    }
  }

  void truncatedBinIsReported() {
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("cut").toStdString();
    write_docs(prefix, TokenDtype::kUint16, random_docs(20, 1000, 3));
    truncate_file(prefix + ".bin", glossa::file_size(prefix + ".bin") - 2);
    expect_error(prefix, "cut.bin: size");
    expect_error(prefix, "truncated");
  }

  void binWithExtraBytesIsReported() {
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("long").toStdString();
    write_docs(prefix, TokenDtype::kUint16, random_docs(20, 1000, 3));
    std::ofstream(prefix + ".bin", std::ios::app | std::ios::binary) << "xx";
    expect_error(prefix, "different runs");
  }

  void truncatedIdxIsReported() {
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("cutidx").toStdString();
    write_docs(prefix, TokenDtype::kUint16, random_docs(20, 1000, 3));
    truncate_file(prefix + ".idx", glossa::file_size(prefix + ".idx") - 8);
    expect_error(prefix, "cutidx.idx: size");
    truncate_file(prefix + ".idx", 20);
    expect_error(prefix, "shorter than the 34-byte header");
  }

  void wrongMagicIsReported() {
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("magic").toStdString();
    write_docs(prefix, TokenDtype::kUint16, random_docs(5, 1000, 3));
    std::string idx = glossa::read_file(prefix + ".idx");
    idx[0] = 'X';
    glossa::write_file_atomically(prefix + ".idx", idx);
    expect_error(prefix, "magic.idx: wrong magic");
  }

  void corruptPointersAndDtypeAreReported() {
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("bad").toStdString();
    write_docs(prefix, TokenDtype::kUint16, {{1, 2}, {3, 4, 5}});
    const std::string good = glossa::read_file(prefix + ".idx");
    std::string idx = good;
    idx[17] = 7;  // no such dtype
    glossa::write_file_atomically(prefix + ".idx", idx);
    expect_error(prefix, "unknown dtype code 7");
    idx = good;
    idx[34 + 2 * 4 + 8] = 6;  // pointer of sequence 1: 6 instead of 4
    glossa::write_file_atomically(prefix + ".idx", idx);
    expect_error(prefix, "sequence 1 starts at byte 6");
    QVERIFY_THROWS_EXCEPTION(glossa::Error,
                             IndexedDatasetReader(dir.filePath("absent").toStdString()));
  }

  void idsThatDoNotFitTheDtypeAreRefused() {
    QTemporaryDir dir;
    IndexedDatasetWriter writer(dir.filePath("fit").toStdString(), TokenDtype::kUint16);
    try {
      writer.add_document(std::vector<int32_t>{5, 70000});
      QFAIL("id 70000 accepted for uint16");
    } catch (const glossa::Error& e) {
      QVERIFY2(QString(e.what()).contains("70000"), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(glossa::Error, writer.add_document(std::vector<int32_t>{-1}));
  }

  void unfinishedWriterLeavesNoFiles() {
    QTemporaryDir dir;
    {
      IndexedDatasetWriter writer(dir.filePath("gone").toStdString(), TokenDtype::kUint16);
      writer.add_document(std::vector<int32_t>{1, 2, 3});
    }  // destroyed without finish(), as when a job is cancelled
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 0);
  }

  void fullDiskGivesErrorNamingTheFile() {
    // A file-size limit makes write() fail with EFBIG as a full disk fails with ENOSPC.
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("full").toStdString();
    struct rlimit old {};
    QCOMPARE(getrlimit(RLIMIT_FSIZE, &old), 0);
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = old;
    limit.rlim_cur = 1 << 20;  // 1 MiB
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &limit), 0);
    QString message;
    try {
      IndexedDatasetWriter writer(prefix, TokenDtype::kInt32);
      const std::vector<int32_t> ids(1 << 20, 42);  // 4 MiB
      for (int k = 0; k < 4; ++k) writer.add_document(ids);
      writer.finish();
    } catch (const glossa::Error& e) {
      message = e.what();
    }
    setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, old_handler);
    QVERIFY2(message.contains("full.bin") && message.contains("write failed"),
             qPrintable("message: " + message));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 0);
  }
};

QTEST_GUILESS_MAIN(TestIndexedDataset)
#include "test_indexed_dataset.moc"
