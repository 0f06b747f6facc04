// ctest-labels: unit
// ShardDataset opens one token shard with its manifest and refuses, naming the prefix, what a
// trainer cannot use; HeldoutSet reads a held-out shard in fixed windows with its byte count.
#include <QtTest>
#include <filesystem>

#include "support/shard_fixture.h"
#include "base/error.h"
#include "training/data/heldout_set.h"
#include "training/data/shard_dataset.h"

using glossa::ShardDataset;
using glossa::test::Documents;

namespace {

// The message of the Error that opening `prefix` throws ("" when it opens).
QString open_error(const std::string& prefix, int64_t model_vocab = 40000) {
  try {
    ShardDataset("src", prefix, model_vocab);
  } catch (const glossa::Error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

class TestShardDataset : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void readsDocumentsAndManifest() {
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("ko").toStdString();
    const Documents train = {{5, 6, 2}, {7, 2}, {32001, 8, 9, 2}};
    glossa::test::ManifestInfo info;
    info.train_bytes = 321;
    glossa::test::write_shard(prefix, train, {{11, 2}}, info);
    const ShardDataset shard("ko", prefix, 40000);
    QCOMPARE(shard.documents(), uint64_t(3));
    QCOMPARE(shard.tokens(), uint64_t(9));
    QCOMPARE(shard.document_length(2), int64_t(4));
    std::vector<int32_t> ids;
    shard.read_document(2, &ids);
    QCOMPARE(ids, train[2]);
    QVERIFY(shard.manifest().present);
    QCOMPARE(shard.manifest().part, std::string("train"));
    QCOMPARE(shard.manifest().bytes, int64_t(321));
    QCOMPARE(shard.manifest().eos_id, int64_t(2));
    QCOMPARE(shard.manifest().tokenizer_fingerprint, std::string("f00d"));
    QCOMPARE(shard.documents_with_ids_from(32000), (std::vector<uint8_t>{0, 0, 1}));
    // The held-out prefix finds the "heldout" part of the base manifest.
    const ShardDataset heldout("ko_heldout", prefix + "_heldout", 40000);
    QCOMPARE(heldout.manifest().part, std::string("heldout"));
    QCOMPARE(heldout.manifest().bytes, int64_t(100));
  }

  void refusesMissingFilesNamingThePrefix() {
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("ko").toStdString();
    QString e = open_error(prefix);
    QVERIFY2(e.contains("ko.idx") && e.contains("not found") && e.contains("src"), qPrintable(e));
    glossa::test::write_shard(prefix, {{5, 2}});
    std::filesystem::remove(prefix + ".bin");
    e = open_error(prefix);
    QVERIFY2(e.contains(QString::fromStdString(prefix + ".bin")), qPrintable(e));
  }

  void refusesAnEmptyShard() {
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("empty").toStdString();
    glossa::test::write_shard(prefix, {});
    const QString e = open_error(prefix);
    QVERIFY2(e.contains("empty") && e.contains(QString::fromStdString(prefix)), qPrintable(e));
  }

  void refusesAVocabularyLargerThanTheModel() {
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("ko").toStdString();
    glossa::test::write_shard(prefix, {{5, 2}});  // manifest: 40000 pieces
    QString e = open_error(prefix, 32000);
    QVERIFY2(
        e.contains("40000") && e.contains("32000") && e.contains(QString::fromStdString(prefix)),
        qPrintable(e));
    QVERIFY(open_error(prefix, 40000).isEmpty());
    // Without a manifest the ids themselves are checked.
    std::filesystem::remove(prefix + ".manifest.json");
    QVERIFY(open_error(prefix, 6).isEmpty());
    e = open_error(prefix, 5);
    QVERIFY2(e.contains("token id 5"), qPrintable(e));
  }

  void refusesAManifestOfOtherFiles() {
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("ko").toStdString();
    glossa::test::write_shard(prefix, {{5, 2}, {6, 2}});
    glossa::test::write_documents(prefix, {{5, 2}}, 40000);  // repacked, manifest kept
    const QString e = open_error(prefix);
    QVERIFY2(e.contains("different packing runs"), qPrintable(e));
  }

  void heldoutWindowsScoreEveryTokenOnce() {
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("ko").toStdString();
    const Documents heldout = {{5, 6, 2}, {7, 8, 9, 10, 2}, {11, 2}};  // 10 tokens
    glossa::test::write_shard(prefix, {{3, 2}}, heldout);
    const glossa::HeldoutSet set = glossa::load_heldout_set("ko", prefix + "_heldout", 4, 40000);
    QCOMPARE(set.bytes, int64_t(100));
    QCOMPARE(set.tokens, int64_t(10));  // EOS context + 10 ids: each id is a target once
    QCOMPARE(set.windows, int64_t(3));  // 4 + 4 + 2 targets
    const glossa::Batch b = set.batch(0, 10, /*pad_id=*/0);
    QCOMPARE(b.B, int64_t(3));
    QCOMPARE(b.inputs, (std::vector<int32_t>{2, 5, 6, 2, 7, 8, 9, 10, 2, 11, 0, 0}));
    QCOMPARE(b.targets, (std::vector<int32_t>{5, 6, 2, 7, 8, 9, 10, 2, 11, 2, 0, 0}));
    QCOMPARE(b.loss_mask, (std::vector<uint8_t>{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}));
    QCOMPARE(b.loss_tokens(), set.tokens);
    QCOMPARE(b.tokens_by_source, (std::vector<int64_t>{10}));
    const glossa::Batch last = set.batch(2, 5, 7);  // clamped to the one window left
    QCOMPARE(last.B, int64_t(1));
    QCOMPARE(last.inputs, (std::vector<int32_t>{2, 11, 7, 7}));
  }

  void heldoutWithoutManifestUsesTheFirstTokenAsContext() {
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("plain").toStdString();
    glossa::test::write_documents(prefix, {{5, 6, 2}, {7, 2}}, 40000);
    const glossa::HeldoutSet set = glossa::load_heldout_set("plain", prefix, 8, 40000);
    QCOMPARE(set.bytes, int64_t(-1));
    QCOMPARE(set.tokens, int64_t(4));
    QCOMPARE(set.windows, int64_t(1));
    QCOMPARE(set.batch(0, 1).targets[0], 6);
  }
};

QTEST_GUILESS_MAIN(TestShardDataset)
#include "test_shard_dataset.moc"
