// ctest-labels: unit data
#include <QtTest>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <unordered_set>

#include "support/test_support.h"
#include "tokenizer/corpus/corpus_reader.h"
#include "base/error.h"
#include "tokenizer/clean/minhash_dedup.h"
#include "tokenizer/text/utf8.h"

using glossa::ExactDedup;
using glossa::MinHashConfig;
using glossa::MinHashDedup;

namespace {

std::u32string decode(const std::string& s) {
  std::u32string out;
  const char* p = s.data();
  while (p < s.data() + s.size()) out.push_back(glossa::utf8::decode_next(p, s.data() + s.size()));
  return out;
}

std::string encode(const std::u32string& s) {
  std::string out;
  for (char32_t c : s) glossa::utf8::append_code_point(&out, c);
  return out;
}

// Exact Jaccard similarity of the 5-character shingle sets (the independent reference the
// MinHash estimate approximates).
double true_jaccard(const std::string& a, const std::string& b, size_t k = 5) {
  const auto shingles = [k](const std::string& s) {
    const std::u32string u = decode(s);
    std::set<std::u32string> set;
    for (size_t i = 0; i + k <= u.size(); ++i) set.insert(u.substr(i, k));
    return set;
  };
  const auto sa = shingles(a), sb = shingles(b);
  size_t common = 0;
  for (const auto& s : sa) common += sb.count(s);
  return double(common) / double(sa.size() + sb.size() - common);
}

// Chunks of 300-1000 characters (whole lines) from three places of every GerDraCor play:
// real, mutually distinct documents of >= 200 characters.
std::vector<std::string> gerdracor_chunks(const QString& path) {
  glossa::CorpusReader reader(path.toStdString(), {});
  std::vector<std::string> out;
  glossa::Document doc;
  while (reader.next(&doc)) {
    std::vector<std::string> chunks;
    std::string chunk;
    size_t start = 0;
    while (start < doc.text.size()) {
      size_t end = doc.text.find('\n', start);
      if (end == std::string::npos) end = doc.text.size();
      chunk.append(doc.text, start, end - start + 1);
      start = end + 1;
      const size_t chars = glossa::utf8::count_chars_valid(chunk);
      if (chars >= 300) {
        if (chars <= 1000) chunks.push_back(chunk);
        chunk.clear();
      }
    }
    if (chunks.size() < 10) continue;
    for (double at : {0.2, 0.5, 0.8}) out.push_back(chunks[size_t(at * double(chunks.size()))]);
  }
  return out;
}

// A near copy: three random characters replaced, or a sentence appended (alternately).
std::string near_copy(const std::string& text, size_t index, std::mt19937_64& rng) {
  if (index % 2 == 1) return text + " Und so endet es, wie es begonnen hat.";
  std::u32string u = decode(text);
  for (int edit = 0; edit < 3; ++edit) u[rng() % u.size()] = U'\uAC00' + char32_t(rng() % 100);
  return encode(u);
}

struct Stream {
  std::vector<std::string> texts;
  std::vector<int64_t> original_of;  // index of the planted original, -1 for distinct texts
};

// 300 originals, 300 other distinct chunks, then the 300 near copies.
Stream planted_stream(const std::vector<std::string>& chunks) {
  Stream stream;
  std::mt19937_64 rng(7);
  for (size_t i = 0; i < 600; ++i) {
    stream.texts.push_back(chunks[i]);
    stream.original_of.push_back(-1);
  }
  for (size_t i = 0; i < 300; ++i) {
    stream.texts.push_back(near_copy(chunks[i], i, rng));
    stream.original_of.push_back(int64_t(i));
  }
  return stream;
}

// For each text: the id of the kept document it duplicates, or -1.
std::vector<int64_t> run_dedup(const Stream& stream, const MinHashConfig& config) {
  MinHashDedup dedup(config);
  std::vector<int64_t> matched;
  for (size_t i = 0; i < stream.texts.size(); ++i) {
    uint64_t id = 0;
    matched.push_back(dedup.is_near_duplicate_and_add(stream.texts[i], i, &id) ? int64_t(id) : -1);
  }
  return matched;
}

}  // namespace

class TestMinHashDedup : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void findsPlantedNearDuplicatesInRealText() {
    GLOSSA_REQUIRE_SHARED(path, "german/gerdracor_plays.jsonl");
    const std::vector<std::string> chunks = gerdracor_chunks(path);
    QVERIFY(chunks.size() >= 600);
    const Stream stream = planted_stream(chunks);
    double jaccard_sum = 0;
    for (size_t i = 600; i < 900; ++i)
      jaccard_sum += true_jaccard(stream.texts[i], stream.texts[size_t(stream.original_of[i])]);
    const double mean_jaccard = jaccard_sum / 300;
    qInfo("mean true Jaccard of the planted pairs: %.3f", mean_jaccard);
    QVERIFY(mean_jaccard > 0.85 && mean_jaccard < 0.97);

    const std::vector<int64_t> matched = run_dedup(stream, MinHashConfig{});
    size_t found = 0, false_positives = 0;
    for (size_t i = 0; i < matched.size(); ++i) {
      if (stream.original_of[i] >= 0)
        found += matched[i] == stream.original_of[i];
      else
        false_positives += matched[i] >= 0;
    }
    qInfo("recall %zu/300, false positives %zu/600", found, false_positives);
    QVERIFY2(found >= 285, qPrintable(QString::number(found)));                    // recall >= 0.95
    QVERIFY2(false_positives <= 6, qPrintable(QString::number(false_positives)));  // <= 1%
  }

  void higherThresholdFlagsASubset() {
    GLOSSA_REQUIRE_SHARED(path, "german/gerdracor_plays.jsonl");
    const Stream stream = planted_stream(gerdracor_chunks(path));
    std::vector<int64_t> previous;
    size_t previous_count = stream.texts.size() + 1;
    for (double threshold : {0.5, 0.7, 0.8, 0.9, 0.95, 1.0}) {
      MinHashConfig config;
      config.threshold = threshold;
      const std::vector<int64_t> matched = run_dedup(stream, config);
      const size_t count =
          size_t(std::count_if(matched.begin(), matched.end(), [](int64_t m) { return m >= 0; }));
      qInfo("threshold %.2f: %zu flagged", threshold, count);
      QVERIFY(count <= previous_count);
      for (size_t i = 0; i < previous.size(); ++i)
        if (matched[i] >= 0) QVERIFY(previous[i] >= 0);  // flagged now => flagged before
      previous = matched;
      previous_count = count;
    }
    QVERIFY(previous_count < 150);  // at 1.0 only copies whose edits left every minimum alone
  }

  void sameSeedSameResultOtherSeedOtherSignature() {
    GLOSSA_REQUIRE_SHARED(path, "german/gerdracor_plays.jsonl");
    const Stream stream = planted_stream(gerdracor_chunks(path));
    QCOMPARE(run_dedup(stream, MinHashConfig{}), run_dedup(stream, MinHashConfig{}));
    MinHashConfig other;
    other.seed = 12345;
    QVERIFY(MinHashDedup(other).signature(stream.texts[0]) !=
            MinHashDedup().signature(stream.texts[0]));
  }

  void estimateIsUnbiasedAcrossSimilarities() {
    // 40 random pairs per similarity level: the mean error of the estimate must be far below
    // its standard deviation per pair (about 0.04 at 128 permutations), so the permutation
    // family introduces no visible bias.
    std::mt19937_64 rng(3);
    const MinHashDedup dedup;
    for (size_t replaced : {20, 100, 300, 800}) {
      double truth_sum = 0, error_sum = 0, worst = 0;
      for (int pair = 0; pair < 40; ++pair) {
        std::u32string base;
        for (int i = 0; i < 1000; ++i) base.push_back(U'\uAC00' + char32_t(rng() % 400));
        std::u32string copy = base;
        for (size_t i = 0; i < replaced; ++i)
          copy[rng() % copy.size()] = U'a' + char32_t(rng() % 26);
        const double truth = true_jaccard(encode(base), encode(copy));
        const double estimate = MinHashDedup::estimated_jaccard(dedup.signature(encode(base)),
                                                                dedup.signature(encode(copy)));
        truth_sum += truth;
        error_sum += estimate - truth;
        worst = std::max(worst, std::abs(estimate - truth));
      }
      qInfo("mean true Jaccard %.3f: mean error %+.4f, worst %.3f", truth_sum / 40, error_sum / 40,
            worst);
      QVERIFY(std::abs(error_sum / 40) < 0.02);  // ~3 standard errors of the mean
      QVERIFY(worst < 0.17);                     // ~4 standard deviations of one estimate
    }
  }

  void wordShinglesIgnoreSpacing() {
    MinHashConfig config;
    config.unit = glossa::ShingleUnit::kWords;
    config.shingle_size = 2;
    const MinHashDedup dedup(config);
    QCOMPARE(dedup.signature("das ist  ein\tTest\u3000heute"),
             dedup.signature("das ist ein Test heute"));
    QVERIFY(dedup.signature("das ist ein Test") != dedup.signature("ein Test das ist"));
  }

  void shortAndEmptyDocumentsAreHandled() {
    MinHashDedup dedup;
    uint64_t matched = 99;
    QVERIFY(!dedup.is_near_duplicate_and_add("", 1, &matched));
    QVERIFY(dedup.is_near_duplicate_and_add("", 2, &matched));
    QCOMPARE(matched, uint64_t(1));
    QVERIFY(!dedup.is_near_duplicate_and_add("ab", 3, &matched));
    QVERIFY(!dedup.is_near_duplicate_and_add("abc", 4, &matched));
    double similarity = 0;
    QVERIFY(dedup.is_near_duplicate_and_add("ab", 5, &matched, &similarity));
    QCOMPARE(matched, uint64_t(3));
    QCOMPARE(similarity, 1.0);
    QCOMPARE(dedup.kept_documents(), size_t(3));
  }

  void configRoundTripsAndRejectsBadValues() {
    MinHashConfig config;
    config.unit = glossa::ShingleUnit::kWords;
    config.permutations = 64;
    config.bands = 8;
    config.threshold = 0.7;
    config.seed = 42;
    QCOMPARE(MinHashConfig::from_json(config.to_json()).to_json(), config.to_json());
    QCOMPARE(MinHashConfig::from_json(nlohmann::json::object()).permutations, 128);
    QVERIFY_THROWS_EXCEPTION(glossa::Error, MinHashConfig::from_json({{"bands", 15}}));
    QVERIFY_THROWS_EXCEPTION(glossa::Error, MinHashConfig::from_json({{"threshold", 1.5}}));
    QVERIFY_THROWS_EXCEPTION(glossa::Error, MinHashConfig::from_json({{"rows", 8}}));
    QVERIFY_THROWS_EXCEPTION(glossa::Error, MinHashConfig::from_json({{"seed", "x"}}));
    QVERIFY(std::abs(glossa::lsh_candidate_probability(0.8, 16, 8) - 0.9470) < 1e-3);
  }

  void manyDistinctDocumentsGrowTheTableWithoutFalseMatches() {
    MinHashDedup dedup;
    std::mt19937_64 rng(11);
    size_t flagged = 0;
    for (uint64_t i = 0; i < 20000; ++i) {
      std::u32string text;
      for (int c = 0; c < 60; ++c) text.push_back(U'\uAC00' + char32_t(rng() % 2000));
      flagged += dedup.is_near_duplicate_and_add(encode(text), i);
    }
    QCOMPARE(flagged, size_t(0));
    QCOMPARE(dedup.kept_documents(), size_t(20000));
    qInfo("memory per kept document: %.0f bytes", double(dedup.memory_bytes()) / 20000);
    QVERIFY(dedup.memory_bytes() < size_t(20000) * 1000);
  }

  void exactDedupFindsIdenticalDocuments() {
    for (int bits : {64, 128}) {
      ExactDedup dedup(bits);
      for (int i = 0; i < 50000; ++i)
        QVERIFY(!dedup.is_duplicate_and_add("document " + std::to_string(i)));
      for (int i = 0; i < 50000; i += 97)
        QVERIFY(dedup.is_duplicate_and_add("document " + std::to_string(i)));
      QVERIFY(!dedup.is_duplicate_and_add("document 1 "));
      QVERIFY(!dedup.is_duplicate_and_add(""));
      QVERIFY(dedup.is_duplicate_and_add(""));
      QCOMPARE(dedup.size(), size_t(50002));
    }
    QVERIFY_THROWS_EXCEPTION(glossa::Error, ExactDedup(32));
  }

  void hashIsStableAndSeedDependent() {
    // Fixed values: dedup results must not change between builds or platforms.
    QCOMPARE(glossa::hash_bytes("", 0), glossa::hash_bytes("", 0));
    QVERIFY(glossa::hash_bytes("abc", 0) != glossa::hash_bytes("abc", 1));
    std::unordered_set<uint64_t> seen;
    std::string text;
    for (int i = 0; i < 200; ++i) {  // every length 0..199 and every prefix distinct
      seen.insert(glossa::hash_bytes(text, 5));
      text.push_back(char('a' + i % 3));
    }
    QCOMPARE(seen.size(), size_t(200));
  }
};

QTEST_GUILESS_MAIN(TestMinHashDedup)
#include "test_minhash_dedup.moc"
