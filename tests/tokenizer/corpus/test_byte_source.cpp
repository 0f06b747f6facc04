// The compressed inputs of the corpus readers (tokenizer/corpus/byte_source.h), read through
// CorpusReader as users meet them: gzip and zstd chosen by magic bytes whatever the name,
// concatenated members and frames, and truncated or corrupt streams named with the byte offset.
#include <QTemporaryDir>
#include <QtTest>

#include "base/error.h"
#include "support/corpus_reading.h"
#include "tokenizer/corpus/corpus_reader.h"

// The shared readers and writers of tests/support/corpus_reading.h.
using namespace glossa::test;

class TestByteSource : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void gzipAndZstdReadLikeThePlainFile() {
    QTemporaryDir dir;
    std::string big;
    for (int i = 0; i < 20000; ++i) big += std::to_string(i) + " " + kMixedScriptLines;
    const auto plain = read_all(write(dir, "plain.txt", big));
    // Names say nothing: the magic bytes decide.
    const auto gz = read_all(write(dir, "gz.txt", gzip(big)));
    const auto zs = read_all(write(dir, "zs.dat", zstd(big)));
    QCOMPARE(plain.docs.size(), size_t(60000));
    QCOMPARE(gz.texts(), plain.texts());
    QCOMPARE(zs.texts(), plain.texts());
    QCOMPARE(gz.docs.back().byte_offset, plain.docs.back().byte_offset);
    QCOMPARE(gz.progress, 1.0);
    QCOMPARE(zs.progress, 1.0);
    QVERIFY(gz.stats.input_bytes < plain.stats.input_bytes / 3);  // compressed bytes counted
  }

  void concatenatedMembersAndFramesAreAllRead() {
    QTemporaryDir dir;
    const std::string a = "one\ntwo\n", b = "three\n", c = "four\nfive";
    const auto gz = read_all(write(dir, "m.gz", gzip(a) + gzip(b) + gzip(c)));
    const std::vector<std::string> expected{"one", "two", "three", "four", "five"};
    QCOMPARE(gz.texts(), expected);
    const auto zs = read_all(write(dir, "m.zst", zstd(a) + zstd(b) + zstd(c)));
    QCOMPARE(zs.texts(), expected);
  }

  void truncatedOrCorruptCompressedFilesNameTheFile() {
    QTemporaryDir dir;
    std::string big;
    for (int i = 0; i < 5000; ++i) big += std::to_string(i * 7919) + " " + kMixedScriptLines;
    const std::string gz = gzip(big), zs = zstd(big);
    const std::string cut_gz = write(dir, "cut.txt.gz", gz.substr(0, gz.size() / 2));
    std::string message = expect_error([&] { read_all(cut_gz); });
    QVERIFY2(message.find(cut_gz) != std::string::npos, message.c_str());
    QVERIFY2(message.find("truncated gzip stream at compressed byte " +
                          std::to_string(gz.size() / 2)) != std::string::npos,
             message.c_str());
    const std::string cut_zs = write(dir, "cut.zst", zs.substr(0, zs.size() - 5));
    message = expect_error([&] { read_all(cut_zs); });
    QVERIFY2(message.find(cut_zs) != std::string::npos &&
                 message.find("truncated zstd stream") != std::string::npos,
             message.c_str());
    std::string damaged = gz;
    for (size_t i = 100; i < 140; ++i) damaged[i] = char(~damaged[i]);
    const std::string bad_gz = write(dir, "bad.gz", damaged);
    message = expect_error([&] { read_all(bad_gz); });
    QVERIFY2(message.find(bad_gz) != std::string::npos &&
                 (message.find("corrupt gzip data") != std::string::npos ||
                  message.find("truncated gzip") != std::string::npos),
             message.c_str());
    const std::string xz = write(dir, "x.txt",
                                 std::string("\xFD"
                                             "7zXZ\0\0\0",
                                             8));
    message = expect_error([&] { read_all(xz); });
    QVERIFY2(message.find("xz-compressed") != std::string::npos, message.c_str());
    message = expect_error([&] { read_all(dir.filePath("missing.txt").toStdString()); });
    QVERIFY2(message.find("missing.txt: cannot open") != std::string::npos, message.c_str());
  }

};

QTEST_GUILESS_MAIN(TestByteSource)
#include "test_byte_source.moc"
