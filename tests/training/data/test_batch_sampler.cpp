// ctest-labels: unit
// BatchSampler packs the mixture's documents back to back into windows of T + 1 tokens: every
// token in order, windows sharing one token, never padded; it splits a global batch across ranks
// by row (2 ranks x half batch == 1 rank x full batch) and resumes exactly from its state JSON.
#include <QtTest>
#include <functional>
#include <set>

#include "support/shard_fixture.h"
#include "support/test_support.h"
#include "base/error.h"
#include "training/data/batch_sampler.h"

using glossa::Batch;
using glossa::BatchSampler;
using glossa::DataConfig;

namespace {

// Three sources of small documents (1..12 tokens) with distinct ids; one in four documents of
// each holds a new id (>= 32000).
DataConfig three_sources(const QTemporaryDir& dir, int64_t seq_len) {
  DataConfig c;
  c.seq_len = seq_len;
  c.seed = 1234;
  const int counts[] = {23, 11, 37};
  const double weights[] = {0.5, 0.2, 0.3};
  for (int s = 0; s < 3; ++s) {
    const std::string prefix = dir.filePath(QString("s%1").arg(s)).toStdString();
    glossa::test::write_shard(prefix, glossa::test::tagged_documents(s, counts[s], 4));
    c.sources.push_back({"s" + std::to_string(s), prefix, weights[s]});
  }
  return c;
}

void expect_equal(const Batch& a, const Batch& b, const QString& what) {
  QVERIFY2(a.B == b.B && a.T == b.T, qPrintable(what));
  QVERIFY2(a.inputs == b.inputs, qPrintable(what + ": inputs differ"));
  QVERIFY2(a.targets == b.targets, qPrintable(what + ": targets differ"));
  QVERIFY2(a.loss_mask == b.loss_mask, qPrintable(what + ": loss masks differ"));
  QVERIFY2(a.tokens_by_source == b.tokens_by_source, qPrintable(what + ": tokens by source"));
}

QString error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const glossa::Error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

class TestBatchSampler : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void packsDocumentsAsThePythonReference() {
    GLOSSA_REQUIRE_PYTHON(py);
    QTemporaryDir dir;
    DataConfig c = three_sources(dir, 7);
    c.oversample_new_tokens = {true, 32000, 2.0, 0.0};
    const int rows = 200;  // 10 batches of each size below: 1400 tokens, several epochs
    nlohmann::json spec = {{"seed", c.seed},
                           {"draws", 0},
                           {"oversample_new_tokens", c.to_json()["oversample_new_tokens"]},
                           {"windows", {{"seq_len", c.seq_len}, {"count", rows}}}};
    for (const auto& s : c.sources)
      spec["sources"].push_back({{"prefix", s.prefix}, {"weight", s.weight}});
    const QString path = dir.filePath("spec.json");
    std::ofstream(path.toStdString()) << spec.dump();
    const auto r =
        glossa::test::run(py, {glossa::test::pythonScript("data_order_reference.py"), path});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const nlohmann::json windows = nlohmann::json::parse(r.out.toStdString())["windows"];
    QVERIFY2(windows.size() == rows, r.out.left(300).constData());
    BatchSampler sampler(c, 40000);
    int row = 0;
    for (int64_t b : {1, 5, 3, 11}) {  // micro-batch sizes do not change the stream
      for (int k = 0; k < 10; ++k) {
        const Batch batch = sampler.next_batch(b);
        for (int64_t i = 0; i < b; ++i, ++row) {
          const auto w = windows[row].get<std::vector<int32_t>>();
          const std::vector<int32_t> in(batch.inputs.begin() + i * 7,
                                        batch.inputs.begin() + i * 7 + 7);
          const std::vector<int32_t> tgt(batch.targets.begin() + i * 7,
                                         batch.targets.begin() + i * 7 + 7);
          QCOMPARE(in, std::vector<int32_t>(w.begin(), w.begin() + 7));
          QCOMPARE(tgt, std::vector<int32_t>(w.begin() + 1, w.end()));
        }
      }
    }
    QCOMPARE(row, rows);
    QCOMPARE(sampler.windows(), int64_t(rows));
    QCOMPARE(sampler.stream_tokens(), int64_t(rows * 7));
  }

  void everyTokenIsATargetOnceInOrder() {
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("one").toStdString();
    const glossa::test::Documents docs = glossa::test::tagged_documents(2, 30);
    glossa::test::write_shard(prefix, docs);
    DataConfig c;
    c.sources = {{"one", prefix, 1.0}};
    c.seq_len = 5;
    BatchSampler sampler(c, 40000);
    const int64_t total = glossa::test::count_tokens(docs);
    std::vector<int32_t> inputs, targets;
    while (int64_t(targets.size()) < total) {
      const Batch b = sampler.next_batch(4);
      QCOMPARE(b.loss_mask, std::vector<uint8_t>(20, 1));  // training never pads
      QCOMPARE(b.tokens_by_source, (std::vector<int64_t>{20}));
      inputs.insert(inputs.end(), b.inputs.begin(), b.inputs.end());
      targets.insert(targets.end(), b.targets.begin(), b.targets.end());
    }
    // Inputs and targets are the same stream shifted by one: rows overlap by one token.
    for (size_t i = 0; i + 1 < inputs.size(); ++i) QCOMPARE(targets[i], inputs[i + 1]);
    // The first epoch's tokens: every document whole, once each, back to back.
    std::vector<int32_t> stream = {inputs[0]};
    stream.insert(stream.end(), targets.begin(), targets.begin() + total - 1);
    std::multiset<std::vector<int32_t>> expected(docs.begin(), docs.end()), found;
    size_t pos = 0;
    while (pos < stream.size()) {  // split at EOS (2): each document ends with exactly one
      const size_t end = std::find(stream.begin() + pos, stream.end(), 2) - stream.begin();
      found.insert(std::vector<int32_t>(stream.begin() + pos, stream.begin() + end + 1));
      pos = end + 1;
    }
    QVERIFY(found == expected);
    QCOMPARE(sampler.consumed_by_source()[0], sampler.stream_tokens());
  }

  void sameSeedSameBatches() {
    QTemporaryDir dir;
    DataConfig c = three_sources(dir, 6);
    BatchSampler a(c, 40000), b(c, 40000);
    c.seed += 1;
    BatchSampler other(c, 40000);
    int differ = 0;
    for (int k = 0; k < 30; ++k) {
      const Batch x = a.next_batch(3);
      expect_equal(x, b.next_batch(3), QString("batch %1").arg(k));
      differ += x.inputs != other.next_batch(3).inputs;
    }
    QVERIFY(differ > 25);
  }

  void twoRanksOfHalfBatchEqualOneRankOfFullBatch() {
    QTemporaryDir dir;
    DataConfig c = three_sources(dir, 9);
    c.oversample_new_tokens = {true, 32000, 1.5, 0.0};
    for (int world : {2, 3}) {
      BatchSampler single(c, 40000);
      std::vector<std::unique_ptr<BatchSampler>> ranks;
      for (int r = 0; r < world; ++r)
        ranks.push_back(std::make_unique<BatchSampler>(c, 40000, r, world));
      for (int k = 0; k < 25; ++k) {
        const int64_t B = 2;  // per rank
        const Batch global = single.next_batch(B * world);
        std::vector<int64_t> by_source(3, 0);
        for (int r = 0; r < world; ++r) {
          const Batch local = ranks[r]->next_batch(B);
          QCOMPARE(local.B, B);
          for (int64_t i = 0; i < B; ++i) {  // local row i = global row r + i * world
            const int64_t g = r + i * world;
            QVERIFY(std::equal(local.inputs.begin() + i * 9, local.inputs.begin() + i * 9 + 9,
                               global.inputs.begin() + g * 9));
            QVERIFY(std::equal(local.targets.begin() + i * 9, local.targets.begin() + i * 9 + 9,
                               global.targets.begin() + g * 9));
          }
          for (int s = 0; s < 3; ++s) by_source[s] += local.tokens_by_source[s];
          QCOMPARE(ranks[r]->state(), single.state());  // one position, whatever the rank
        }
        QCOMPARE(by_source, global.tokens_by_source);
      }
    }
  }

  void resumesAcrossEpochAndSourceBoundaries() {
    QTemporaryDir dir;
    DataConfig c = three_sources(dir, 5);
    c.oversample_new_tokens = {true, 32000, 2.5, 0.0};
    BatchSampler reference(c, 40000);
    std::vector<Batch> expected;
    for (int k = 0; k < 160; ++k) expected.push_back(reference.next_batch(3));  // ~2400 tokens
    const nlohmann::json end_state = reference.state();
    QVERIFY(end_state["sources"][1]["epoch"].get<int>() >= 3);  // several epochs crossed
    // Save after every batch count, restore into a fresh sampler, continue: the same batches.
    for (int saved_at = 0; saved_at < 150; saved_at += 7) {
      BatchSampler first(c, 40000);
      for (int k = 0; k < saved_at; ++k) first.next_batch(3);
      const std::string saved = first.state().dump();
      BatchSampler resumed(c, 40000);
      resumed.restore(nlohmann::json::parse(saved));
      for (int k = saved_at; k < std::min(saved_at + 10, 160); ++k)
        expect_equal(resumed.next_batch(3), expected[k],
                     QString("resumed at %1, batch %2").arg(saved_at).arg(k));
    }
    // The position does not depend on the world size: rank 1 of 2 resumes a 1-process run.
    BatchSampler first(c, 40000);
    for (int k = 0; k < 50; ++k) first.next_batch(2);
    BatchSampler rank1(c, 40000, 1, 2);
    rank1.restore(first.state());
    const Batch b = rank1.next_batch(1);  // global windows 100, 101: row 2 of batch 33
    QVERIFY(std::equal(b.inputs.begin(), b.inputs.end(), expected[33].inputs.begin() + 2 * 5));
    QCOMPARE(rank1.windows(), int64_t(102));
  }

  void refusesAPositionOfAnotherConfig() {
    QTemporaryDir dir;
    DataConfig c = three_sources(dir, 5);
    BatchSampler a(c, 40000);
    a.next_batch(4);
    const nlohmann::json state = a.state();
    DataConfig other = c;
    other.seed = 99;
    BatchSampler b(other, 40000);
    QString e = error_of([&] { b.restore(state); });
    QVERIFY2(e.contains("seed") && e.contains("data position"), qPrintable(e));
    other = c;
    other.seq_len = 17;  // a new stage may change T: the position still applies
    BatchSampler longer(other, 40000);
    QVERIFY(error_of([&] { longer.restore(state); }).isEmpty());
    nlohmann::json broken = state;
    broken["document"]["length"] = 999;
    e = error_of([&] { BatchSampler(c, 40000).restore(broken); });
    QVERIFY2(e.contains("shards changed"), qPrintable(e));
    e = error_of([&] { BatchSampler(c, 40000).restore(nlohmann::json{{"format", "x"}}); });
    QVERIFY2(e.contains("glossa-data-position"), qPrintable(e));
  }

  void refusesWhatCannotWorkNamingTheSource() {
    QTemporaryDir dir;
    DataConfig c = three_sources(dir, 5);
    QString e = error_of([&] { BatchSampler(c, 40000, 2, 2); });
    QVERIFY2(e.contains("rank 2"), qPrintable(e));
    e = error_of([&] { BatchSampler(c, 40000).next_batch(0); });
    QVERIFY2(e.contains("micro_batch"), qPrintable(e));
    e = error_of([&] { BatchSampler(c, 32000); });  // manifests say 40000 pieces
    QVERIFY2(e.contains("'s0'") && e.contains(QString::fromStdString(c.sources[0].prefix)),
             qPrintable(e));
    DataConfig bad = c;
    bad.sources[1].weight = 0;
    e = error_of([&] { BatchSampler(bad, 40000); });
    QVERIFY2(e.contains("weight") && e.contains("s1"), qPrintable(e));
    bad = c;
    bad.sources[2].prefix = dir.filePath("missing").toStdString();
    e = error_of([&] { BatchSampler(bad, 40000); });
    QVERIFY2(e.contains("missing.idx") && e.contains("'s2'"), qPrintable(e));
    glossa::test::ManifestInfo info;
    info.fingerprint = "beef";
    glossa::test::write_shard(dir.filePath("other").toStdString(), {{5, 2}}, {}, info);
    bad = c;
    bad.sources[1].prefix = dir.filePath("other").toStdString();
    e = error_of([&] { BatchSampler(bad, 40000); });
    QVERIFY2(e.contains("different tokenizer") && e.contains("beef"), qPrintable(e));
  }
};

QTEST_GUILESS_MAIN(TestBatchSampler)
#include "test_batch_sampler.moc"
