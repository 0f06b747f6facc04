// ctest-labels: unit
// DataMixture draws the document order from the seed alone: the same draws as an independent
// Python re-implementation (tests/python/data_order_reference.py), token shares that follow the
// weights, and documents with new tokens repeated by the oversampling factor.
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "support/shard_fixture.h"
#include "support/test_support.h"
#include "base/error.h"
#include "training/data/data_mixture.h"

using glossa::DataConfig;
using glossa::DataMixture;
using glossa::ShardDataset;

namespace {

using Shards = std::vector<std::shared_ptr<const ShardDataset>>;

Shards open_all(const DataConfig& c) {
  Shards shards;
  for (const auto& s : c.sources)
    shards.push_back(std::make_shared<const ShardDataset>(s.name, s.prefix, 40000));
  return shards;
}

// Two sources: "a" with short documents, "b" with documents 3x as long (same count).
DataConfig two_sources(const QTemporaryDir& dir, double weight_a, double weight_b) {
  using glossa::test::Documents;
  Documents a, b;
  for (int d = 0; d < 40; ++d) {
    a.push_back({100 + d, 2});
    b.push_back({6000 + d, 6001, 6002, 6003, 6004, 2});
  }
  DataConfig c;
  c.sources = {{"a", dir.filePath("a").toStdString(), weight_a},
               {"b", dir.filePath("b").toStdString(), weight_b}};
  glossa::test::write_shard(c.sources[0].prefix, a);
  glossa::test::write_shard(c.sources[1].prefix, b);
  return c;
}

nlohmann::json run_reference(const QString& py, const nlohmann::json& spec, QTemporaryDir& dir) {
  const QString path = dir.filePath("spec.json");
  std::ofstream(path.toStdString()) << spec.dump();
  const auto r =
      glossa::test::run(py, {glossa::test::pythonScript("data_order_reference.py"), path});
  if (r.exit_code != 0) qWarning("%s", r.err.constData());
  return r.exit_code == 0 ? nlohmann::json::parse(r.out.toStdString()) : nlohmann::json();
}

}  // namespace

class TestDataMixture : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void drawsTheSameOrderAsThePythonReference() {
    GLOSSA_REQUIRE_PYTHON(py);
    QTemporaryDir dir;
    DataConfig c;
    c.seed = 0xC0FFEE12345ULL;
    for (int s = 0; s < 3; ++s) {
      const std::string prefix = dir.filePath(QString("s%1").arg(s)).toStdString();
      glossa::test::write_shard(prefix, glossa::test::tagged_documents(s, 17 + 9 * s, 3));
      c.sources.push_back({"s" + std::to_string(s), prefix, 1.0 + s});
    }
    c.oversample_new_tokens = {true, 32000, 1.5, 0.45};
    const int draws = 600;  // several epochs of every source
    nlohmann::json spec = {{"seed", c.seed},
                           {"draws", draws},
                           {"oversample_new_tokens", c.to_json()["oversample_new_tokens"]}};
    for (const auto& s : c.sources)
      spec["sources"].push_back({{"prefix", s.prefix}, {"weight", s.weight}});
    const nlohmann::json ref = run_reference(py, spec, dir);
    QVERIFY(!ref.is_null());
    DataMixture mixture(open_all(c), c);
    for (int i = 0; i < draws; ++i) {
      const glossa::DocumentRef d = mixture.next();
      QCOMPARE(nlohmann::json({d.source, d.document}), ref["draws"][i]);
    }
    for (int s = 0; s < 3; ++s) QCOMPARE(mixture.plan()[s].factor, ref["factors"][s].get<double>());
    QVERIFY(mixture.plan()[0].factor > 1.5);  // min_share raised it (1 in 3 documents is new)
    QVERIFY(mixture.state()["sources"][0]["epoch"].get<int>() >= 2);
  }

  void tokenSharesFollowTheWeights() {
    QTemporaryDir dir;
    DataConfig c = two_sources(dir, 3.0, 1.0);
    c.seed = 7;
    DataMixture mixture(open_all(c), c);
    // Documents of "b" are 3x as long: drawing by weight / mean length gives 75 % of TOKENS.
    QCOMPARE(mixture.plan()[0].token_share, 0.75);
    QVERIFY(std::abs(mixture.plan()[0].draw_probability - 0.9) < 1e-12);
    std::vector<int64_t> tokens(2, 0);
    for (int i = 0; i < 20000; ++i) {
      const glossa::DocumentRef d = mixture.next();
      tokens[d.source] += mixture.source(d.source).document_length(d.document);
    }
    const double share = double(tokens[0]) / double(tokens[0] + tokens[1]);
    // 20000 draws at p = 0.9: the share's standard deviation is about 0.004.
    QVERIFY2(std::abs(share - 0.75) < 0.015, qPrintable(QString::number(share)));
  }

  void seedFixesTheOrder() {
    QTemporaryDir dir;
    DataConfig c = two_sources(dir, 1.0, 1.0);
    c.seed = 42;
    DataMixture first(open_all(c), c), second(open_all(c), c);
    c.seed = 43;
    DataMixture other(open_all(c), c);
    int differ = 0;
    for (int i = 0; i < 200; ++i) {
      const auto a = first.next(), b = second.next(), o = other.next();
      QCOMPARE(a.source, b.source);
      QCOMPARE(a.document, b.document);
      differ += a.source != o.source || a.document != o.document;
    }
    QVERIFY(differ > 150);
  }

  void everyEpochIsAPermutation() {
    QTemporaryDir dir;
    DataConfig c = two_sources(dir, 1.0, 1.0);
    c.sources.resize(1);
    DataMixture mixture(open_all(c), c);
    std::vector<std::vector<uint64_t>> orders;
    for (int epoch = 0; epoch < 3; ++epoch) {
      std::vector<uint64_t> order;
      for (int i = 0; i < 40; ++i) order.push_back(mixture.next().document);
      std::vector<uint64_t> sorted = order;
      std::sort(sorted.begin(), sorted.end());
      std::vector<uint64_t> all(40);
      std::iota(all.begin(), all.end(), 0);
      QCOMPARE(sorted, all);  // every document exactly once per epoch
      QVERIFY(order != all);  // shuffled
      QCOMPARE(mixture.state()["sources"][0]["epoch"].get<int>(), epoch);
      orders.push_back(order);
    }
    QVERIFY(orders[0] != orders[1] && orders[1] != orders[2]);  // a new shuffle per epoch
  }

  void oversamplesDocumentsWithNewTokensByTheFactor() {
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("ko").toStdString();
    const auto docs = glossa::test::tagged_documents(1, 60, 3);  // ids >= 32000 in ~1 of 3
    glossa::test::write_shard(prefix, docs);
    std::vector<bool> is_new;
    for (const auto& d : docs)
      is_new.push_back(std::any_of(d.begin(), d.end(), [](int32_t id) { return id >= 32000; }));
    const int n_new = int(std::count(is_new.begin(), is_new.end(), true)), n_old = 60 - n_new;
    QVERIFY(n_new > 10 && n_old > 30);
    DataConfig c;
    c.sources = {{"ko", prefix, 1.0}};
    for (double factor : {2.0, 2.5}) {
      c.oversample_new_tokens = {true, 32000, factor, 0.0};
      DataMixture mixture(open_all(c), c);
      QCOMPARE(mixture.plan()[0].new_token_documents, uint64_t(n_new));
      std::map<uint64_t, int> count;
      int drawn_new = 0, drawn_old = 0;
      const int draws = 200 * (2 * n_new + n_old);  // 200 whole epochs at factor 2
      for (int i = 0; i < draws; ++i) {
        const uint64_t d = mixture.next().document;
        ++count[d];
        (is_new[d] ? drawn_new : drawn_old)++;
      }
      // Per document: new-token documents are drawn `factor` times as often as the others;
      // exactly for an integer factor (whole epochs), within sampling error for 2.5 (about 0.01).
      const double ratio = (double(drawn_new) / n_new) / (double(drawn_old) / n_old);
      if (factor == 2.0) QCOMPARE(ratio, 2.0);
      QVERIFY2(std::abs(ratio - factor) < 0.05,
               qPrintable(QString("factor %1: ratio %2").arg(factor).arg(ratio)));
      QCOMPARE(int(count.size()), 60);  // every document is still drawn
    }
  }

  void minShareRaisesTheFactor() {
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("ko").toStdString();
    glossa::test::write_shard(prefix, glossa::test::tagged_documents(1, 60, 6));
    DataConfig c;
    c.sources = {{"ko", prefix, 1.0}};
    c.oversample_new_tokens = {true, 32000, 1.0, 0.5};
    DataMixture mixture(open_all(c), c);
    const auto& p = mixture.plan()[0];
    const double t_new = double(p.new_token_tokens), t_old = double(p.tokens - p.new_token_tokens);
    QVERIFY(t_new > 0 && t_new < t_old);
    QCOMPARE(p.factor, 0.5 * t_old / (0.5 * t_new));
    QVERIFY(std::abs(p.new_token_share - 0.5) < 1e-12);
  }

  void restoredStateContinuesTheSameDraws() {
    QTemporaryDir dir;
    DataConfig c = two_sources(dir, 1.0, 2.0);
    c.seed = 99;
    DataMixture original(open_all(c), c);
    for (int i = 0; i < 130; ++i) original.next();  // past the first epoch of both sources
    DataMixture resumed(open_all(c), c);
    resumed.restore(nlohmann::json::parse(original.state().dump()), "test");
    for (int i = 0; i < 200; ++i) {
      const auto a = original.next(), b = resumed.next();
      QCOMPARE(a.source, b.source);
      QCOMPARE(a.document, b.document);
    }
    nlohmann::json broken = original.state();
    broken["sources"][0]["next"] = 1000;
    try {
      resumed.restore(broken, "checkpoint data_state.json");
      QFAIL("a position past the epoch was accepted");
    } catch (const glossa::Error& e) {
      QVERIFY2(QString(e.what()).contains("data_state.json"), e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestDataMixture)
#include "test_data_mixture.moc"
