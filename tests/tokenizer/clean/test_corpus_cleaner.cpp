// ctest-labels: unit data
#include <QDir>
#include <QTemporaryDir>
#include <QtTest>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "support/test_support.h"
#include "tokenizer/clean/corpus_cleaner.h"
#include "tokenizer/corpus/corpus_reader.h"
#include "base/error.h"
#include "base/file_util.h"
#include "tokenizer/text/utf8.h"

using glossa::CleanOptions;
using glossa::CleanReport;

namespace {

// A random Korean word of 2-4 syllables: texts built from them are distinct, all Hangul, and
// repeat no lines or word n-grams.
std::string word(std::mt19937_64& rng, int syllables = 0) {
  std::string out;
  const int n = syllables > 0 ? syllables : 2 + int(rng() % 3);
  for (int i = 0; i < n; ++i)
    glossa::utf8::append_code_point(&out, U'\uAC00' + char32_t(rng() % 11172));
  return out;
}

std::string sentence(std::mt19937_64& rng, int words, int syllables = 0) {
  std::string out;
  for (int i = 0; i < words; ++i) {
    if (i) out += ' ';
    out += word(rng, syllables);
  }
  return out;
}

// The hand-made corpus: good documents with, planted among them, documents that exactly one
// filter should remove. `planted` maps filter name -> the 1-based lines planted for it.
struct Corpus {
  std::vector<std::string> texts;
  std::map<std::string, std::set<uint64_t>> planted;
  void add(const std::string& text, const std::string& filter = "") {
    texts.push_back(text);
    if (!filter.empty()) planted[filter].insert(texts.size());
  }
};

Corpus planted_corpus() {
  Corpus c;
  std::mt19937_64 rng(1);
  std::vector<std::string> good;
  for (int i = 0; i < 40; ++i) good.push_back(sentence(rng, 40) + ".\n" + sentence(rng, 30) + ".");
  for (int i = 0; i < 40; ++i) {
    c.add(good[size_t(i)]);
    switch (i % 10) {
      case 1:
        c.add("짧은 글", "min_chars");
        break;
      case 2:
        c.add(sentence(rng, 1000), "max_chars");
        break;
      case 3:
        c.add("This review is written in English and has nothing Korean in it at all, sadly.",
              "min_target_script_share");
        break;
      case 4: {
        const std::string line = sentence(rng, 8);
        c.add(line + "\n" + line + "\n" + line + "\n" + sentence(rng, 8),
              "max_duplicate_line_fraction");
        break;
      }
      case 5: {
        const std::string phrase = sentence(rng, 3);
        std::string text = sentence(rng, 10);
        for (int k = 0; k < 6; ++k) text += " " + phrase;
        c.add(text, "max_top_ngram_repetition");
        break;
      }
      case 6:
        c.add(sentence(rng, 40, 1), "min_mean_word_length");
        break;
      case 7:
        c.add(sentence(rng, 8, 20), "max_mean_word_length");
        break;
      case 8:
        c.add(good[size_t(i - 3)], "exact_duplicate");
        break;
      case 9: {
        std::string copy = good[size_t(i - 2)];
        copy += " " + word(rng);  // one word appended: Jaccard about 0.97
        c.add(copy, "near_duplicate");
        break;
      }
    }
  }
  return c;
}

CleanOptions strict_options() {
  CleanOptions o;
  o.target_script = glossa::ScriptClass::kHangul;
  o.min_chars = 20;
  o.max_chars = 2000;
  o.min_target_script_share = 0.5;
  o.max_duplicate_line_fraction = 0.3;
  o.max_top_ngram_repetition = 0.2;
  o.min_mean_word_length = 1.5;
  o.max_mean_word_length = 12;
  o.examples_per_filter = 100;
  return o;
}

// (text, source, line) of every record of a cleaned JSONL, read back with the corpus reader
// (text) and nlohmann (all fields).
struct Record {
  std::string text, source;
  uint64_t line;
};
std::vector<Record> read_records(const std::string& path) {
  std::vector<Record> records;
  const std::string bytes = glossa::read_file(path);
  size_t start = 0;
  while (start < bytes.size()) {
    const size_t end = bytes.find('\n', start);
    const auto j = nlohmann::json::parse(bytes.substr(start, end - start));
    records.push_back({j.at("text"), j.at("source"), j.at("line")});
    start = end + 1;
  }
  return records;
}

// Hands out texts and cancels `job` once `after` documents were read (cancellation as the GUI
// would do it, at a point that does not depend on timing).
class CancellingSource : public glossa::VectorSource {
 public:
  CancellingSource(std::vector<std::string> texts, glossa::JobControl& job, size_t after)
      : VectorSource(std::move(texts)), job_(job), after_(after) {}
  bool next(glossa::Document* doc) override {
    if (++read_ > after_) job_.cancel();
    return VectorSource::next(doc);
  }

 private:
  glossa::JobControl& job_;
  size_t after_, read_ = 0;
};

}  // namespace

class TestCorpusCleaner : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void everyFilterRemovesExactlyItsPlantedDocuments() {
    QTemporaryDir dir;
    const Corpus corpus = planted_corpus();
    glossa::VectorSource source(corpus.texts, "planted.txt");
    const std::string out = (dir.path() + "/clean.jsonl").toStdString();
    const CleanReport report = glossa::clean_corpus(source, out, strict_options(), {});
    QCOMPARE(report.filters.size(), size_t(9));
    for (const auto& f : report.filters) {
      std::set<uint64_t> removed;
      for (const auto& e : f.examples) removed.insert(e.line);
      QVERIFY2(removed == corpus.planted.at(f.name), f.name.c_str());
      QCOMPARE(f.documents, uint64_t(corpus.planted.at(f.name).size()));
    }
    const auto& near = report.filters.back();
    QVERIFY(near.examples[0].value >= 0.8);
    QVERIFY(near.examples[0].duplicate_of > 0);
    QCOMPARE(report.documents_kept, uint64_t(40));
  }

  void countsAddUpAndReportIsWritten() {
    QTemporaryDir dir;
    const Corpus corpus = planted_corpus();
    glossa::VectorSource source(corpus.texts);
    const std::string out = (dir.path() + "/clean.jsonl").toStdString();
    const CleanReport report = glossa::clean_corpus(source, out, strict_options(), {});
    uint64_t docs = report.documents_kept, bytes = report.bytes_kept, in_bytes = 0;
    for (const auto& f : report.filters) {
      docs += f.documents;
      bytes += f.bytes;
    }
    for (const auto& t : corpus.texts) in_bytes += t.size();
    QCOMPARE(report.documents_in, uint64_t(corpus.texts.size()));
    QCOMPARE(docs, report.documents_in);
    QCOMPARE(report.bytes_in, in_bytes);
    QCOMPARE(bytes, report.bytes_in);
    const std::string report_path = (dir.path() + "/clean.report.json").toStdString();
    QCOMPARE(glossa::clean_report_path(out), report_path);
    const auto json = nlohmann::json::parse(glossa::read_file(report_path));
    QCOMPARE(json, report.to_json());
    QCOMPARE(json.at("filters").at(0).at("name").get<std::string>(), std::string("min_chars"));
    QCOMPARE(CleanOptions::from_json(json.at("options")).to_json(), strict_options().to_json());
  }

  void outputRoundTripsThroughJsonlReader() {
    QTemporaryDir dir;
    const Corpus corpus = planted_corpus();
    glossa::VectorSource source(corpus.texts, "planted.txt");
    const std::string out = (dir.path() + "/clean.jsonl").toStdString();
    const CleanReport report = glossa::clean_corpus(source, out, strict_options(), {});
    const std::vector<Record> records = read_records(out);
    QCOMPARE(records.size(), size_t(report.documents_kept));
    glossa::CorpusReader reader(out, {});
    glossa::Document doc;
    std::set<uint64_t> removed;
    for (const auto& [name, lines] : corpus.planted) removed.insert(lines.begin(), lines.end());
    size_t i = 0;
    for (uint64_t line = 1; line <= corpus.texts.size(); ++line) {
      if (removed.count(line)) continue;
      QVERIFY(reader.next(&doc));
      QCOMPARE(doc.text, corpus.texts[line - 1]);  // Hangul syllables are NFKC already
      QCOMPARE(records[i].text, doc.text);
      QCOMPARE(records[i].source, std::string("planted.txt"));
      QCOMPARE(records[i].line, line);
      ++i;
    }
    QVERIFY(!reader.next(&doc));
  }

  void nfkcIsAppliedBeforeDedup() {
    QTemporaryDir dir;
    const std::string out = (dir.path() + "/clean.jsonl").toStdString();
    glossa::VectorSource source(
        {"영화 \uFF21\uFF22\uFF23 최고 \u2460", "영화 ABC 최고 1", "\u3131\u314F\u3131"});
    CleanOptions options;
    options.near_dedup = false;
    const CleanReport report = glossa::clean_corpus(source, out, options, {});
    const std::vector<Record> records = read_records(out);
    QCOMPARE(records.size(), size_t(2));
    QCOMPARE(records[0].text, std::string("영화 ABC 최고 1"));
    QCOMPARE(records[1].text, std::string("\uAC00\u1100"));  // compatibility jamo compose
    QCOMPARE(report.filters.at(0).documents, uint64_t(1));   // exact duplicate after NFKC
    QCOMPARE(report.documents_normalized, uint64_t(2));

    glossa::VectorSource again({"영화 \uFF21\uFF22\uFF23 최고 \u2460"});
    options.normalization = glossa::NormalizationForm::kNone;
    glossa::clean_corpus(again, out, options, {});
    QCOMPARE(read_records(out).at(0).text, std::string("영화 \uFF21\uFF22\uFF23 최고 \u2460"));
  }

  void cancellationLeavesNoOutput() {
    QTemporaryDir dir;
    const std::string out = (dir.path() + "/clean.jsonl").toStdString();
    std::vector<std::string> texts;
    std::mt19937_64 rng(5);
    for (int i = 0; i < 5000; ++i) texts.push_back(sentence(rng, 20));
    glossa::VectorSource source(texts);
    glossa::JobControl job;
    job.cancel();  // already asked to stop: not one document is written
    QVERIFY_THROWS_EXCEPTION(glossa::CancelledError, glossa::clean_corpus(source, out, {}, job));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 0);

    // Cancelled midway: the source asks the job to stop after 2,000 of 5,000 documents.
    glossa::JobControl midway;
    CancellingSource source2(texts, midway, 2000);
    QVERIFY_THROWS_EXCEPTION(glossa::CancelledError,
                             glossa::clean_corpus(source2, out, {}, midway));
    QVERIFY(source2.progress() < 1.0);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 0);
  }

  void optionsRoundTripAndRejectBadValues() {
    const CleanOptions strict = strict_options();
    QCOMPARE(CleanOptions::from_json(strict.to_json()).to_json(), strict.to_json());
    const CleanOptions defaults = CleanOptions::from_json(nlohmann::json::object());
    QCOMPARE(defaults.normalization, glossa::NormalizationForm::kNfkc);
    QVERIFY(defaults.exact_dedup && defaults.near_dedup && !defaults.target_script);
    QCOMPARE(defaults.examples_per_filter, size_t(5));
    QVERIFY(!CleanOptions::from_json({{"min_chars", nullptr}}).min_chars);
    using nlohmann::json;
    QVERIFY_THROWS_EXCEPTION(glossa::Error,
                             CleanOptions::from_json({{"min_target_script_share", 0.5}}));
    QVERIFY_THROWS_EXCEPTION(glossa::Error, CleanOptions::from_json({{"target_script", "digit"}}));
    QVERIFY_THROWS_EXCEPTION(glossa::Error,
                             CleanOptions::from_json({{"max_top_ngram_repetition", 2}}));
    QVERIFY_THROWS_EXCEPTION(glossa::Error,
                             CleanOptions::from_json({{"min_chars", 10}, {"max_chars", 5}}));
    QVERIFY_THROWS_EXCEPTION(glossa::Error, CleanOptions::from_json({{"min_chars", "ten"}}));
    QVERIFY_THROWS_EXCEPTION(glossa::Error, CleanOptions::from_json({{"mni_chars", 10}}));
    QVERIFY_THROWS_EXCEPTION(glossa::Error, CleanOptions::from_json({{"near", {{"bands", 7}}}}));
  }

  void cleansNsmcReviews() {
    GLOSSA_REQUIRE_SHARED(path, "korean/nsmc_reviews.tsv");
    QTemporaryDir dir;
    glossa::CorpusReaderOptions read;
    read.column = "review";
    glossa::CorpusReader reader(path.toStdString(), read);
    CleanOptions options;
    options.target_script = glossa::ScriptClass::kHangul;
    options.min_chars = 10;
    options.min_target_script_share = 0.5;
    options.max_top_ngram_repetition = 0.5;
    const std::string out = (dir.path() + "/nsmc.jsonl").toStdString();
    const CleanReport r = glossa::clean_corpus(reader, out, options, {});
    uint64_t removed = 0;
    QString summary;
    for (const auto& f : r.filters) {
      removed += f.documents;
      summary += QStringLiteral(" %1=%2").arg(QString::fromStdString(f.name)).arg(f.documents);
    }
    qInfo("NSMC: %llu in, %llu kept,%s; %.2f s, near-dedup memory %.1f MiB",
          (unsigned long long)r.documents_in, (unsigned long long)r.documents_kept,
          qPrintable(summary), r.seconds, double(r.near_dedup_memory_bytes) / (1 << 20));
    QCOMPARE(r.documents_in, uint64_t(186946));
    QCOMPARE(r.documents_kept + removed, r.documents_in);
    QVERIFY(r.documents_kept > r.documents_in / 2);
    QVERIFY(r.documents_normalized > 0);
    QCOMPARE(read_records(out).size(), size_t(r.documents_kept));
  }
};

QTEST_GUILESS_MAIN(TestCorpusCleaner)
#include "test_corpus_cleaner.moc"
