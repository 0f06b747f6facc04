// ctest-labels: unit data
#include <sentencepiece_trainer.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_support.h"
#include "tokenizer/corpus/corpus_reader.h"
#include "base/error.h"
#include "tokenizer/spm/sp_processor.h"
#include "tokenizer/spm/tokenizer_analysis.h"

using glossa::AnalysisOptions;
using glossa::SpProcessor;
using glossa::VectorSource;
using Tokenizers = std::vector<std::shared_ptr<const SpProcessor>>;

namespace {

// Reviews [first, first + count) of NSMC (informal Korean).
std::vector<std::string> nsmc_reviews(const QString& path, size_t first, size_t count) {
  glossa::CorpusReaderOptions options;
  options.column = "review";
  glossa::CorpusReader reader(path.toStdString(), options);
  std::vector<std::string> texts;
  glossa::Document doc;
  for (size_t k = 0; texts.size() < count && reader.next(&doc); ++k)
    if (k >= first) texts.push_back(doc.text);
  return texts;
}

// A small Korean BPE model with byte fallback, trained here on NSMC reviews.
std::shared_ptr<const SpProcessor> train_korean(const QTemporaryDir& dir,
                                                const std::vector<std::string>& texts) {
  const std::string input = dir.filePath("ko.txt").toStdString();
  std::ofstream(input) << [&] {
    std::string all;
    for (const auto& t : texts) all += t + "\n";
    return all;
  }();
  const std::string prefix = dir.filePath("ko").toStdString();
  const auto status = sentencepiece::SentencePieceTrainer::Train({{"input", input},
                                                                  {"model_prefix", prefix},
                                                                  {"vocab_size", "8000"},
                                                                  {"model_type", "bpe"},
                                                                  {"byte_fallback", "true"},
                                                                  {"character_coverage", "0.9995"},
                                                                  {"minloglevel", "2"}});
  if (!status.ok()) throw glossa::Error("training the Korean model: " + status.ToString());
  return SpProcessor::load(prefix + ".model");
}

}  // namespace

class TestTokenizerAnalysis : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void whitespaceWordsFollowPythonSplit() {
    const auto words = glossa::whitespace_words("  a\tbc\u00A0d\u3000e\u2003 f\n\n");
    QCOMPARE(words.size(), size_t(5));
    QCOMPARE(std::string(words[1]), std::string("bc"));
    QCOMPARE(std::string(words[4]), std::string("f"));
    QVERIFY(glossa::whitespace_words(" \t\n").empty());
    QCOMPARE(glossa::whitespace_words("안녕하세요").size(), size_t(1));
  }

  // Llama 2 on two documents, every number checked by hand against the pieces
  // (▁Hello ▁world ▁ 2 0 2 3 | ▁Straße ▁ 안 <0xEB> <0x85> <0x95>).
  void llama2NumbersMatchHandCount() {
    GLOSSA_REQUIRE_SHARED(model, "tokenizers/llama2/tokenizer.model");
    VectorSource source({"Hello world 2023", "Straße 안녕"});
    const auto result = glossa::analyze_tokenizers({SpProcessor::load(model.toStdString())}, source,
                                                   {}, {}, {"llama2"});
    const auto& s = result.tokenizers.at(0);
    QCOMPARE(s.documents, uint64_t(2));
    QCOMPARE(s.words, uint64_t(5));
    QCOMPARE(s.tokens, uint64_t(13));
    QCOMPARE(s.bytes, uint64_t(16 + 14));
    QCOMPARE(s.characters, uint64_t(16 + 9));
    QCOMPARE(s.continued_words, uint64_t(2));  // "2023" (5 tokens) and "안녕" (5 tokens)
    QCOMPARE(s.byte_tokens, uint64_t(3));
    QCOMPARE(s.unknown_tokens, uint64_t(0));
    QCOMPARE(s.fertility(), 13.0 / 5.0);
    QCOMPARE(s.continued_share(), 0.4);
    QCOMPARE(s.byte_fallback_share(), 3.0 / 13.0);
    QCOMPARE(s.length_ratio(), 1.0);
    const auto json = result.to_json();
    QCOMPARE(json["tokenizers"][0]["name"].get<std::string>(), std::string("llama2"));
    QCOMPARE(json["tokenizers"][0]["tokens"].get<uint64_t>(), uint64_t(13));
    const QString table = QString::fromStdString(result.table());
    QVERIFY2(table.contains("fertility (tokens/word)") && table.contains("2.600"),
             qPrintable(table));
  }

  void matchesPythonSentencepieceOnRealText() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(german, "tokenizers/llammlein_de/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(news, "german/news/xglue_news_dev.tsv");
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    GLOSSA_REQUIRE_PYTHON(py);
    glossa::CorpusReaderOptions ropts;
    ropts.header = false;
    ropts.column_index = 1;
    glossa::CorpusReader reader(news.toStdString(), ropts);
    std::vector<std::string> texts = nsmc_reviews(nsmc, 0, 300);
    for (glossa::Document doc; texts.size() < 500 && reader.next(&doc);) texts.push_back(doc.text);
    QTemporaryDir dir;
    const std::string jsonl = dir.filePath("texts.jsonl").toStdString();
    {
      std::ofstream out(jsonl);
      for (const auto& t : texts) out << nlohmann::json(t).dump() << "\n";
    }
    VectorSource source(texts);
    AnalysisOptions options;
    options.threads = 3;
    const auto result = glossa::analyze_tokenizers(
        {SpProcessor::load(llama.toStdString()), SpProcessor::load(german.toStdString())}, source,
        options, {});
    const auto ref =
        glossa::test::run(py, {glossa::test::pythonScript("tokenizer_analysis_reference.py"),
                               QString::fromStdString(jsonl), llama, german});
    QVERIFY2(ref.finished && ref.exit_code == 0, ref.err.constData());
    const auto expected = nlohmann::json::parse(ref.out.toStdString());
    for (size_t t = 0; t < 2; ++t) {
      const auto got = result.tokenizers[t].to_json();
      for (const char* key : {"documents", "words", "tokens", "bytes", "characters",
                              "continued_words", "byte_tokens", "unknown_tokens"})
        QVERIFY2(got[key] == expected[t][key],
                 qPrintable(QString("tokenizer %1, %2: %3 vs Python %4")
                                .arg(t)
                                .arg(key)
                                .arg(QString::fromStdString(got[key].dump()))
                                .arg(QString::fromStdString(expected[t][key].dump()))));
    }
    QCOMPARE(result.tokenizers[1].reference_tokens, result.tokenizers[0].tokens);
  }

  void germanModelHasLowerFertilityOnGerDraCor() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(german, "tokenizers/llammlein_de/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(plays, "german/gerdracor_plays.jsonl");
    glossa::CorpusReader source(plays.toStdString());
    AnalysisOptions options;
    options.max_documents = 4;  // four whole plays, ~100k words
    const auto result = glossa::analyze_tokenizers(
        {SpProcessor::load(llama.toStdString()), SpProcessor::load(german.toStdString())}, source,
        options, {}, {"Llama 2", "LLäMmlein"});
    const auto& l = result.tokenizers[0];
    const auto& g = result.tokenizers[1];
    qInfo().noquote() << "\n" << QString::fromStdString(result.table());
    QCOMPARE(l.documents, uint64_t(4));
    QVERIFY(l.words > 10000);
    QVERIFY2(g.fertility() < l.fertility(),
             qPrintable(QString("%1 vs %2").arg(g.fertility()).arg(l.fertility())));
    QVERIFY(g.continued_share() < l.continued_share());
    QVERIFY(g.length_ratio() < 1.0);
    QCOMPARE(g.byte_tokens, uint64_t(0));  // LLäMmlein has no byte pieces
  }

  void llama2FallsBackToBytesOnKoreanUnlikeAKoreanModel() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    QTemporaryDir dir;
    const auto korean = train_korean(dir, nsmc_reviews(nsmc, 0, 20000));
    VectorSource source(nsmc_reviews(nsmc, 100000, 3000));  // reviews the model never saw
    const auto result = glossa::analyze_tokenizers({SpProcessor::load(llama.toStdString()), korean},
                                                   source, {}, {}, {"Llama 2", "NSMC BPE 8k"});
    qInfo().noquote() << "\n" << QString::fromStdString(result.table());
    const auto& l = result.tokenizers[0];
    const auto& k = result.tokenizers[1];
    QVERIFY2(l.byte_fallback_share() > 0.05, qPrintable(QString::number(l.byte_fallback_share())));
    // Not exactly 0: emoji and rare Hanja outside the 99.95 % character coverage stay bytes.
    QVERIFY2(k.byte_fallback_share() < 0.01, qPrintable(QString::number(k.byte_fallback_share())));
    QVERIFY(k.byte_fallback_share() * 50 < l.byte_fallback_share());
    QVERIFY(k.length_ratio() < 1.0);
  }

  void cancellationStopsTheAnalysis() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    glossa::JobControl job;
    job.cancel();
    VectorSource source(std::vector<std::string>(5000, "ein Satz"));
    QVERIFY_THROWS_EXCEPTION(
        glossa::CancelledError,
        glossa::analyze_tokenizers({SpProcessor::load(llama.toStdString())}, source, {}, job));
  }

  void columnsAreLabelledWithTheShortestDistinctPathEnds() {
    using V = std::vector<std::string>;
    QCOMPARE(glossa::short_distinct_names({"/a/b/llama2/tokenizer.model", "/a/b/ko/tokenizer.model"}),
             (V{"llama2/tokenizer.model", "ko/tokenizer.model"}));
    QCOMPARE(glossa::short_distinct_names({"/x/base.model", "/y/ko.model"}),
             (V{"base.model", "ko.model"}));
    QCOMPARE(glossa::short_distinct_names({"/r/a/t.model", "/s/a/t.model", "/s/b/t.model"}),
             (V{"r/a/t.model", "s/a/t.model", "t.model"}));
    QCOMPARE(glossa::short_distinct_names({"m.model"}), (V{"m.model"}));
  }

  void noTokenizerIsAnError() {
    VectorSource source({"x"});
    QVERIFY_THROWS_EXCEPTION(glossa::Error, glossa::analyze_tokenizers({}, source, {}, {}));
  }
};

QTEST_GUILESS_MAIN(TestTokenizerAnalysis)
#include "test_tokenizer_analysis.moc"
