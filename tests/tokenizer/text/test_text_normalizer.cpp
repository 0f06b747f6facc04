// ctest-labels: unit data
#include <QtTest>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/test_support.h"
#include "tokenizer/corpus/corpus_reader.h"
#include "base/error.h"
#include "tokenizer/text/text_normalizer.h"

using glossa::NormalizationForm;
using glossa::NormalizerOptions;
using glossa::TextNormalizer;

namespace {

std::string nfkc(const std::string& text) { return TextNormalizer().normalize(text); }

std::string with_form(NormalizationForm form, const std::string& text) {
  NormalizerOptions options;
  options.form = form;
  return TextNormalizer(options).normalize(text);
}

// Every 10th NSMC review (about 18,700 lines of informal Korean with emoticons, jamo, full-width
// and other compatibility characters).
std::vector<std::string> nsmc_sample(const QString& path) {
  glossa::CorpusReaderOptions options;
  options.column = "review";
  glossa::CorpusReader reader(path.toStdString(), options);
  std::vector<std::string> sample;
  glossa::Document doc;
  for (size_t i = 0; reader.next(&doc); ++i)
    if (i % 10 == 0) sample.push_back(doc.text);
  return sample;
}

}  // namespace

class TestTextNormalizer : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void nfkcMapsKnownCompatibilityCharacters() {
    QCOMPARE(nfkc("\uFB01le"), std::string("file"));        // ligature ﬁ
    QCOMPARE(nfkc("\u2460"), std::string("1"));             // circled one ①
    QCOMPARE(nfkc("\uFF21\uFF42"), std::string("Ab"));      // full-width Ａｂ
    QCOMPARE(nfkc("\u321C"), std::string("(\uC8FC)"));      // ㈜ -> (주)
    QCOMPARE(nfkc("\u3000a\u00A0b"), std::string(" a b"));  // ideographic space, NBSP
    QCOMPARE(nfkc("\uFF76\uFF9E"), std::string("\u30AC"));  // half-width ｶﾞ -> ガ
  }

  void hangulJamoFollowNfkc() {
    // A compatibility jamo is a compatibility character: NFKC maps ㄱ (U+3131) to the
    // conjoining choseong U+1100; NFC keeps it.
    QCOMPARE(nfkc("\u3131"), std::string("\u1100"));
    QCOMPARE(with_form(NormalizationForm::kNfc, "\u3131"), std::string("\u3131"));
    // ... and so NFKC composes ㄱ + ㅏ (compatibility jamo) into the syllable 가.
    QCOMPARE(nfkc("\u3131\u314F"), std::string("\uAC00"));
    // A decomposed jamo sequence composes to the precomposed syllable (NFC and NFKC) ...
    QCOMPARE(nfkc("\u1112\u1161\u11AB"), std::string("\uD55C"));
    QCOMPARE(with_form(NormalizationForm::kNfc, "\u1112\u1161\u11AB"), std::string("\uD55C"));
    // ... and NFD takes it apart again.
    QCOMPARE(with_form(NormalizationForm::kNfd, "\uD55C"), std::string("\u1112\u1161\u11AB"));
    QCOMPARE(with_form(NormalizationForm::kNfkd, "\u321C"), std::string("(\u110C\u116E)"));
  }

  void formNoneAndAsciiLeaveTextUnchanged() {
    const std::string odd = "\uFB01 \u3131 \uFF21";
    QCOMPARE(with_form(NormalizationForm::kNone, odd), odd);
    const std::string ascii = "plain ASCII text, 123 \t tabs\n";
    QVERIFY(TextNormalizer().is_normalized(ascii));
    QCOMPARE(nfkc(ascii), ascii);
    QVERIFY(TextNormalizer().is_normalized("\uD55C\uAD6D\uC5B4"));
    QVERIFY(!TextNormalizer().is_normalized("\uFB01"));
  }

  void whitespaceCleanupCollapsesAndTrims() {
    NormalizerOptions options;
    options.collapse_spaces = true;
    options.trim_lines = true;
    const TextNormalizer normalizer(options);
    QCOMPARE(normalizer.normalize("  a \t\t b  \n\tc   d\t\r\n\n e\u3000\u3000f "),
             std::string("a b\nc d\r\n\ne f"));
    QCOMPARE(glossa::clean_whitespace(" a  b ", true, false), std::string(" a b "));
    QCOMPARE(glossa::clean_whitespace(" a  b \n", false, true), std::string("a  b\n"));
  }

  void parsesFormNames() {
    QCOMPARE(glossa::parse_normalization_form("NFKC"), NormalizationForm::kNfkc);
    QCOMPARE(glossa::parse_normalization_form("none"), NormalizationForm::kNone);
    for (auto form : {NormalizationForm::kNone, NormalizationForm::kNfc, NormalizationForm::kNfd,
                      NormalizationForm::kNfkc, NormalizationForm::kNfkd})
      QCOMPARE(glossa::parse_normalization_form(glossa::normalization_form_name(form)), form);
    QVERIFY_THROWS_EXCEPTION(glossa::Error, glossa::parse_normalization_form("nfkc_cf"));
  }

  void matchesPythonUnicodedataOnNsmc() {
    GLOSSA_REQUIRE_SHARED(path, "korean/nsmc_reviews.tsv");
    GLOSSA_REQUIRE_PYTHON(py);
    const std::vector<std::string> sample = nsmc_sample(path);
    QVERIFY(sample.size() > 10000);
    const auto result = glossa::test::run(
        py, {glossa::test::pythonScript("normalize_reference.py"), "NFC", "NFD", "NFKC", "NFKD"},
        600000, QByteArray::fromStdString(nlohmann::json(sample).dump()));
    QVERIFY2(result.finished && result.exit_code == 0, result.err.constData());
    const auto reference = nlohmann::json::parse(result.out.toStdString());
    const std::pair<const char*, NormalizationForm> forms[] = {{"NFC", NormalizationForm::kNfc},
                                                               {"NFD", NormalizationForm::kNfd},
                                                               {"NFKC", NormalizationForm::kNfkc},
                                                               {"NFKD", NormalizationForm::kNfkd}};
    size_t changed_by_nfkc = 0;
    for (const auto& [name, form] : forms) {
      NormalizerOptions options;
      options.form = form;
      const TextNormalizer normalizer(options);
      const auto& expected = reference.at(name);
      QCOMPARE(expected.size(), sample.size());
      for (size_t i = 0; i < sample.size(); ++i) {
        const std::string got = normalizer.normalize(sample[i]);
        QVERIFY2(got == expected[i].get<std::string>(),
                 qPrintable(QStringLiteral("%1 differs from Python on line '%2'")
                                .arg(name, QString::fromStdString(sample[i]))));
        if (form == NormalizationForm::kNfkc && got != sample[i]) ++changed_by_nfkc;
      }
    }
    // The sample must exercise the non-trivial path, not only already-normal text.
    QVERIFY2(changed_by_nfkc > 100, qPrintable(QString::number(changed_by_nfkc)));
  }

  void oneInstanceGivesTheSameResultFromSeveralThreads() {
    std::vector<std::string> texts;
    for (int i = 0; i < 2000; ++i)
      texts.push_back("\uFB01 " + std::to_string(i) + " \u3131\u314F \uFF21 \u1112\u1161\u11AB");
    const TextNormalizer normalizer;
    std::vector<std::string> expected;
    for (const auto& text : texts) expected.push_back(normalizer.normalize(text));
    std::vector<int> mismatches(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (size_t i = 0; i < texts.size(); ++i)
          if (normalizer.normalize(texts[i]) != expected[i]) ++mismatches[t];
      });
    for (auto& thread : threads) thread.join();
    for (int count : mismatches) QCOMPARE(count, 0);
    QCOMPARE(expected[7], std::string("fi 7 \uAC00 A \uD55C"));
  }
};

QTEST_GUILESS_MAIN(TestTextNormalizer)
#include "test_text_normalizer.moc"
