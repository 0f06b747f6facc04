// ctest-labels: unit
#include <QtTest>
#include <nlohmann/json.hpp>
#include <random>

#include "tokenizer/corpus/corpus_stats.h"
#include "base/error.h"

using glossa::CorpusStats;
using glossa::Histogram;
using glossa::ScriptClass;

namespace {

// A corpus of short Korean/English documents with many exact duplicates, deterministic.
std::vector<std::string> sample_corpus(size_t n) {
  const std::vector<std::string> words = {"좋아요", "정말", "영화",   "movie", "great",
                                          "123",    "!!",   "ㅋㅋㅋ", "최고",  "the"};
  std::mt19937 rng(42);
  std::vector<std::string> docs;
  for (size_t i = 0; i < n; ++i) {
    std::string doc;
    const size_t len = 1 + rng() % 6;  // short documents repeat often
    for (size_t k = 0; k < len; ++k) {
      if (k) doc += rng() % 7 == 0 ? "\n" : " ";
      doc += words[rng() % words.size()];
    }
    docs.push_back(doc);
  }
  return docs;
}

CorpusStats stats_of(const std::vector<std::string>& docs, size_t from, size_t to) {
  CorpusStats s(ScriptClass::kHangul);
  for (size_t i = from; i < to; ++i) s.add(docs[i]);
  return s;
}

// to_json without the floating-point sums and means (their rounding depends on the order of
// additions); those are compared with a tolerance.
nlohmann::json exact_part(const CorpusStats& s) {
  auto j = s.to_json();
  j.erase("signal_sums");
  j.erase("signal_means");
  return j;
}

void compare_sums(const CorpusStats& a, const CorpusStats& b) {
  QVERIFY(std::abs(a.sum_target_script_share - b.sum_target_script_share) < 1e-9);
  QVERIFY(std::abs(a.sum_duplicate_line_fraction - b.sum_duplicate_line_fraction) < 1e-9);
  QVERIFY(std::abs(a.sum_top_ngram_repetition - b.sum_top_ngram_repetition) < 1e-9);
  QVERIFY(std::abs(a.sum_mean_word_length - b.sum_mean_word_length) < 1e-9);
}

}  // namespace

class TestCorpusStats : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void accumulatesSizesAndScriptShares() {
    CorpusStats s(ScriptClass::kHangul);
    s.add("한국어 abc");  // 3 Hangul + 3 Latin + 1 space
    s.add("12 가!");      // 2 digits, 1 Hangul, 1 punctuation, 1 space
    QCOMPARE(s.documents, uint64_t(2));
    QCOMPARE(s.bytes, uint64_t(13 + 7));
    QCOMPARE(s.chars, uint64_t(12));
    QCOMPARE(s.words, uint64_t(4));
    QCOMPARE(s.letters, uint64_t(7));
    QCOMPARE(s.script_chars[size_t(ScriptClass::kHangul)], uint64_t(4));
    QCOMPARE(s.char_share(ScriptClass::kHangul), 4.0 / 12);
    QCOMPARE(s.letter_share(ScriptClass::kHangul), 4.0 / 7);
    QCOMPARE(s.letter_share(ScriptClass::kDigit), 0.0);
    QCOMPARE(s.documents_with_letters, uint64_t(2));
    QCOMPARE(s.sum_target_script_share, 0.5 + 1.0);
    QCOMPARE(s.sum_mean_word_length, 3.0 + 2.0);
  }

  void countsExactDuplicateDocuments() {
    CorpusStats s;
    for (const char* t : {"a", "b", "a", "a", "a "}) s.add(t);  // "a " differs from "a"
    QCOMPARE(s.unique_documents(), uint64_t(3));
    QCOMPARE(s.duplicate_documents(), uint64_t(2));
    QCOMPARE(s.duplicate_ratio(), 0.4);
    QCOMPARE(CorpusStats().duplicate_ratio(), 0.0);
  }

  void histogramBinsFollowTheirScale() {
    const Histogram unit(Histogram::Scale::kLinear, 0, 1, 20);
    QCOMPARE(unit.bin_of(0.0), size_t(0));
    QCOMPARE(unit.bin_of(0.05), size_t(1));
    QCOMPARE(unit.bin_of(0.5), size_t(10));
    QCOMPARE(unit.bin_of(0.999), size_t(19));
    QCOMPARE(unit.bin_of(1.0), size_t(19));  // the top value belongs to the last bin
    QCOMPARE(unit.bin_of(-3.0), size_t(0));
    QCOMPARE(unit.lower_edge(10), 0.5);
    const Histogram chars(Histogram::Scale::kLog2, 1, std::exp2(40), 40);
    QCOMPARE(chars.bin_of(0), size_t(0));
    QCOMPARE(chars.bin_of(1), size_t(0));
    QCOMPARE(chars.bin_of(2), size_t(1));
    QCOMPARE(chars.bin_of(3), size_t(1));
    QCOMPARE(chars.bin_of(4), size_t(2));
    QCOMPARE(chars.bin_of(1023), size_t(9));
    QCOMPARE(chars.bin_of(1024), size_t(10));
    QCOMPARE(chars.bin_of(1e15), size_t(39));
    QCOMPARE(chars.lower_edge(10), 1024.0);
    const Histogram word(Histogram::Scale::kLog2, 1, 256, 32);  // 4 bins per octave
    QCOMPARE(word.bin_of(2.0), size_t(4));
    QCOMPARE(word.bin_of(2.5), size_t(5));  // 4 * log2(2.5) = 5.29
    QCOMPARE(word.lower_edge(8), 4.0);
  }

  void documentHistogramsCountEveryDocumentOnce() {
    const auto docs = sample_corpus(500);
    const CorpusStats s = stats_of(docs, 0, docs.size());
    QCOMPARE(s.document_chars.total(), uint64_t(500));
    QCOMPARE(s.document_words.total(), uint64_t(500));
    QCOMPARE(s.duplicate_line_fraction.total(), uint64_t(500));
    QCOMPARE(s.top_ngram_repetition.total(), uint64_t(500));
    QCOMPARE(s.target_script_share.total(), s.documents_with_letters);
    QCOMPARE(s.mean_word_length.total(), s.documents_with_words);
    QVERIFY(s.duplicate_documents() > 0);
  }

  void mergeOfHalvesEqualsTheWhole() {
    const auto docs = sample_corpus(2000);
    const CorpusStats whole = stats_of(docs, 0, docs.size());
    CorpusStats merged = stats_of(docs, 0, 700);
    const CorpusStats second = stats_of(docs, 700, docs.size());
    // Duplicates across the halves exist, so summing each half's duplicates would be wrong.
    QVERIFY(merged.duplicate_documents() + second.duplicate_documents() <
            whole.duplicate_documents());
    merged.merge(second);
    QCOMPARE(merged.unique_documents(), whole.unique_documents());
    QCOMPARE(merged.duplicate_documents(), whole.duplicate_documents());
    QCOMPARE(merged.hashes == whole.hashes, true);
    QCOMPARE(exact_part(merged).dump(), exact_part(whole).dump());
    compare_sums(merged, whole);
    // Merging into an empty accumulator is the identity.
    CorpusStats empty(ScriptClass::kHangul);
    empty.merge(whole);
    QCOMPARE(exact_part(empty).dump(), exact_part(whole).dump());
  }

  void mergeRefusesWhatItCannotCombine() {
    CorpusStats hangul(ScriptClass::kHangul), latin(ScriptClass::kLatin);
    QVERIFY_THROWS_EXCEPTION(glossa::Error, hangul.merge(latin));
    CorpusStats a(ScriptClass::kHangul);
    a.add("가");
    CorpusStats loaded = CorpusStats::from_json(a.to_json());
    QVERIFY_THROWS_EXCEPTION(glossa::Error, loaded.merge(a));  // hashes are not stored
  }

  void jsonRoundTripKeepsEveryField() {
    auto s = stats_of(sample_corpus(300), 0, 300);
    glossa::CorpusReadStats read;
    read.documents = 300;
    read.invalid_utf8 = 2;
    read.first_invalid_utf8.push_back({"c.txt", 7, 123, "invalid UTF-8 (byte 0xFF)"});
    s.read = read;
    const auto json = s.to_json();
    const CorpusStats back = CorpusStats::from_json(json);
    QCOMPARE(back.to_json().dump(), json.dump());
    QCOMPARE(back.unique_documents(), s.unique_documents());
    QCOMPARE(back.read->first_invalid_utf8.at(0).byte_offset, uint64_t(123));
    QCOMPARE(back.document_chars, s.document_chars);
    // Through text as well (the database stores dump()).
    QCOMPARE(CorpusStats::from_json(nlohmann::json::parse(json.dump())).to_json(), json);
    QCOMPARE(json["target_script"].get<std::string>(), std::string("hangul"));
    QCOMPARE(json["histograms"]["document_chars"]["scale"].get<std::string>(), std::string("log2"));
  }

  void fromJsonNamesTheBadField() {
    auto json = CorpusStats(ScriptClass::kHangul).to_json();
    json["histograms"].erase("mean_word_length");
    try {
      CorpusStats::from_json(json);
      QFAIL("no error");
    } catch (const glossa::Error& e) {
      QVERIFY2(std::string(e.what()).find("mean_word_length") != std::string::npos, e.what());
    }
    auto wrong = CorpusStats().to_json();
    wrong["documents"] = "many";
    QVERIFY_THROWS_EXCEPTION(glossa::Error, CorpusStats::from_json(wrong));
    wrong = CorpusStats().to_json();
    wrong["version"] = 99;
    QVERIFY_THROWS_EXCEPTION(glossa::Error, CorpusStats::from_json(wrong));
  }

  void hashSetGrowsAndMerges() {
    glossa::HashSet64 a, b;
    for (uint64_t i = 0; i < 10000; ++i) QVERIFY(a.insert(i * 0x9E3779B97F4A7C15ULL));
    for (uint64_t i = 0; i < 10000; ++i) QVERIFY(!a.insert(i * 0x9E3779B97F4A7C15ULL));
    QCOMPARE(a.size(), size_t(10000));
    QVERIFY(!a.insert(0));  // 0 (i = 0 above) is a valid hash too
    for (uint64_t i = 5000; i < 15000; ++i) b.insert(i * 0x9E3779B97F4A7C15ULL);
    a.merge(b);
    QCOMPARE(a.size(), size_t(15000));
  }
};

QTEST_GUILESS_MAIN(TestCorpusStats)
#include "test_corpus_stats.moc"
