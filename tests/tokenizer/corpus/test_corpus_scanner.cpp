// ctest-labels: unit data
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_support.h"
#include "tokenizer/corpus/corpus_reader.h"
#include "tokenizer/corpus/corpus_scanner.h"
#include "base/error.h"

using glossa::CorpusReader;
using glossa::CorpusReaderOptions;
using glossa::CorpusStats;
using glossa::JobControl;
using glossa::ScriptClass;
using glossa::VectorSource;

namespace {

std::vector<std::string> numbered_documents(size_t n) {
  std::vector<std::string> docs;
  for (size_t i = 0; i < n; ++i)
    docs.push_back("문서 " + std::to_string(i % 997) + " 내용 내용\n줄 줄\n줄 줄");
  return docs;
}

nlohmann::json exact_part(const CorpusStats& s) {
  auto j = s.to_json();
  j.erase("signal_sums");
  j.erase("signal_means");
  return j;
}

// A source that fails or cancels its job after `limit` documents.
class StoppingSource : public glossa::DocumentSource {
 public:
  StoppingSource(size_t limit, const JobControl* cancel) : limit_(limit), cancel_(cancel) {}
  bool next(glossa::Document* doc) override {
    if (count_ == limit_) {
      if (cancel_ == nullptr) glossa::fail("stopping source", "broken on purpose");
      const_cast<JobControl*>(cancel_)->cancel();
    }
    doc->text = "문서 " + std::to_string(count_++);
    return true;  // endless: only the error or the cancellation ends the scan
  }
  double progress() const override { return -1; }

 private:
  size_t limit_, count_ = 0;
  const JobControl* cancel_;
};

std::string write(const QTemporaryDir& dir, const char* name, const std::string& bytes) {
  const std::string path = dir.filePath(name).toStdString();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

}  // namespace

class TestCorpusScanner : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void anyThreadCountGivesTheSequentialResult() {
    const auto docs = numbered_documents(30000);  // several batches, 997 distinct texts
    CorpusStats sequential(ScriptClass::kHangul);
    for (const auto& d : docs) sequential.add(d);
    QCOMPARE(sequential.unique_documents(), uint64_t(997));
    for (int threads : {1, 2, 3, 0}) {
      VectorSource source(docs);
      const CorpusStats s = glossa::scan_corpus(source, ScriptClass::kHangul, threads, {});
      QCOMPARE(exact_part(s).dump(), exact_part(sequential).dump());
      QVERIFY(std::abs(s.sum_mean_word_length - sequential.sum_mean_word_length) < 1e-6);
      QVERIFY(!s.read.has_value());  // not a file reader
    }
  }

  // The floating-point sums are added batch by batch in read order: the same bits whatever the
  // thread count and however the workers shared the batches (a rerun, the backend and the CLI).
  void signalSumsAreTheSameBitsOnEveryRun() {
    const auto docs = numbered_documents(60000);
    std::string first;
    for (int threads : {1, 2, 2, 2, 3}) {
      VectorSource source(docs);
      const std::string sums =
          glossa::scan_corpus(source, ScriptClass::kHangul, threads, {}).to_json()["signal_sums"].dump();
      if (first.empty()) first = sums;
      QCOMPARE(QString::fromStdString(sums), QString::fromStdString(first));
    }
  }

  void reportsProgressUpToTheEnd() {
    std::vector<double> fractions;
    std::string last_message;
    JobControl job([&](double f, const std::string& m) {
      fractions.push_back(f);
      last_message = m;
    });
    VectorSource source(numbered_documents(20000));
    glossa::scan_corpus(source, ScriptClass::kHangul, 2, job);
    QVERIFY(!fractions.empty());
    QCOMPARE(fractions.back(), 1.0);
    QVERIFY2(last_message.find("20000 documents") != std::string::npos, last_message.c_str());
  }

  void cancellationStopsTheScan() {
    JobControl job;
    StoppingSource source(50000, &job);  // endless unless cancelled
    QVERIFY_THROWS_EXCEPTION(glossa::CancelledError,
                             glossa::scan_corpus(source, ScriptClass::kHangul, 2, job));
  }

  void sourceErrorsReachTheCaller() {
    StoppingSource source(1000, nullptr);
    try {
      glossa::scan_corpus(source, ScriptClass::kHangul, 2, {});
      QFAIL("no error");
    } catch (const glossa::CancelledError&) {
      QFAIL("wrong error");
    } catch (const glossa::Error& e) {
      QVERIFY(std::string(e.what()).find("broken on purpose") != std::string::npos);
    }
  }

  void readProblemsAreCarriedFromTheReader() {
    QTemporaryDir dir;
    const std::string path = write(dir, "c.txt", "좋은 영화\nbad \xFF byte\n\n좋은 영화\n");
    CorpusReaderOptions report_all;  // as corpus stats reads: report invalid UTF-8, never refuse
    report_all.max_invalid_utf8_share = 1;
    CorpusReader reader(path, report_all);
    const CorpusStats s = glossa::scan_corpus(reader, ScriptClass::kHangul, 2, {});
    QCOMPARE(s.documents, uint64_t(3));
    QCOMPARE(s.duplicate_documents(), uint64_t(1));
    QVERIFY(s.read.has_value());
    QCOMPARE(s.read->invalid_utf8, uint64_t(1));
    QCOMPARE(s.read->empty_documents, uint64_t(1));
    QCOMPARE(s.read->first_invalid_utf8.at(0).line, uint64_t(2));
    QCOMPARE(s.script_chars[size_t(ScriptClass::kPunctuation)], uint64_t(1));  // the U+FFFD
    QCOMPARE(s.to_json()["read"]["invalid_utf8"].get<uint64_t>(), uint64_t(1));

    glossa::MultiFileSource multi({path, write(dir, "d.txt", "\xC3(\n")}, report_all);
    const CorpusStats m = glossa::scan_corpus(multi, ScriptClass::kHangul, 1, {});
    QCOMPARE(m.documents, uint64_t(4));
    QCOMPARE(m.read->invalid_utf8, uint64_t(2));
  }

  void signalsMatchThePythonReference() {
    GLOSSA_REQUIRE_SHARED(path, "korean/nsmc_reviews.tsv");
    GLOSSA_REQUIRE_PYTHON(py);
    CorpusReaderOptions options;
    options.column = "review";
    CorpusReader reader(path.toStdString(), options);
    std::vector<std::string> texts = {"the cat sat on the cat mat", "a b c d x a b c d y",
                                      "aa b aa b c d c d", "x\nx\r\n \ny", "가\u3000나 ㅋㅋ ㅋㅋ"};
    glossa::Document doc;
    while (texts.size() < 20000 && reader.next(&doc)) texts.push_back(doc.text);
    QTemporaryDir dir;
    const QString jsonl = dir.filePath("docs.jsonl");
    {
      std::ofstream out(jsonl.toStdString());
      for (const auto& t : texts) out << nlohmann::json{{"text", t}}.dump() << "\n";
    }
    const auto result =
        glossa::test::run(py, {glossa::test::pythonScript("signals_reference.py"), jsonl});
    QVERIFY2(result.exit_code == 0, result.err.constData());
    const auto ref = nlohmann::json::parse(result.out.toStdString());
    QCOMPARE(ref.size(), texts.size() + 1);
    CorpusStats total(ScriptClass::kHangul);
    for (size_t i = 0; i < texts.size(); ++i) {
      const auto s = glossa::compute_signals(texts[i], ScriptClass::kHangul);
      total.add(texts[i], s);
      const auto& r = ref[i];
      const auto at = [&](ScriptClass c) { return s.script_chars[size_t(c)]; };
      const bool same =
          s.bytes == r["bytes"] && s.chars == r["chars"] && s.words == r["words"] &&
          at(ScriptClass::kWhitespace) == r["whitespace"] &&
          at(ScriptClass::kDigit) == r["digit"] &&
          at(ScriptClass::kPunctuation) == r["punctuation"] &&
          at(ScriptClass::kHangul) == r["hangul"] && glossa::letter_chars(s) == r["letters"] &&
          std::abs(s.target_script_share - r["hangul_share"].get<double>()) < 1e-12 &&
          std::abs(s.duplicate_line_fraction - r["duplicate_line_fraction"].get<double>()) <
              1e-12 &&
          std::abs(s.top_ngram_repetition - r["top_ngram_repetition"].get<double>()) < 1e-12 &&
          std::abs(s.mean_word_length - r["mean_word_length"].get<double>()) < 1e-12;
      QVERIFY2(same, qPrintable(QString::fromStdString("document " + std::to_string(i) + " '" +
                                                       texts[i] + "': python " + r.dump())));
    }
    QCOMPARE(total.unique_documents(), ref.back()["unique_documents"].get<uint64_t>());
  }

  void nsmcIsMostlyHangul() {
    GLOSSA_REQUIRE_SHARED(path, "korean/nsmc_reviews.tsv");
    CorpusReaderOptions options;
    options.column = "review";
    CorpusReader reader(path.toStdString(), options);
    const CorpusStats s = glossa::scan_corpus(reader, ScriptClass::kHangul, 2, {});
    QCOMPARE(s.documents, uint64_t(186946));
    QCOMPARE(s.read->documents, uint64_t(186946));
    QCOMPARE(s.read->invalid_utf8, uint64_t(0));
    QVERIFY(s.letter_share(ScriptClass::kHangul) > 0.5);
    QVERIFY(s.char_share(ScriptClass::kHangul) > 0.5);
    // Short reviews ("최고", "재밌어요") repeat: some duplicates, but far from most.
    QVERIFY2(s.duplicate_ratio() > 0.005 && s.duplicate_ratio() < 0.2,
             qPrintable(QString::number(s.duplicate_ratio())));
    qInfo("NSMC: %s", s.to_json().dump().substr(0, 600).c_str());
  }
};

QTEST_GUILESS_MAIN(TestCorpusScanner)
#include "test_corpus_scanner.moc"
