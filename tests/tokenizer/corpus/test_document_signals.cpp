// ctest-labels: unit
#include <QtTest>
#include <thread>

#include "tokenizer/corpus/document_signals.h"

using glossa::compute_signals;
using glossa::DocumentSignals;
using glossa::ScriptClass;

namespace {
uint64_t count(const DocumentSignals& s, ScriptClass c) { return s.script_chars[size_t(c)]; }
bool near(double a, double b) { return std::abs(a - b) < 1e-12; }
}  // namespace

class TestDocumentSignals : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void emptyDocumentHasAllZeros() {
    const auto s = compute_signals("", ScriptClass::kLatin);
    QCOMPARE(s.bytes, uint64_t(0));
    QCOMPARE(s.chars, uint64_t(0));
    QCOMPARE(s.words, uint64_t(0));
    QCOMPARE(s.target_script_share, 0.0);
    QCOMPARE(s.duplicate_line_fraction, 0.0);
    QCOMPARE(s.top_ngram_repetition, 0.0);
    QCOMPARE(s.mean_word_length, 0.0);
  }

  void countsBytesCharsWordsAndScriptsOfMixedText() {
    // 3 Hangul, 3 Latin, 3 digits, 2 punctuation, 3 spaces: 14 chars, 20 bytes, 4 words.
    const auto s = compute_signals("한국어 abc 123 !!", ScriptClass::kHangul);
    QCOMPARE(s.bytes, uint64_t(20));
    QCOMPARE(s.chars, uint64_t(14));
    QCOMPARE(s.words, uint64_t(4));
    QCOMPARE(count(s, ScriptClass::kHangul), uint64_t(3));
    QCOMPARE(count(s, ScriptClass::kLatin), uint64_t(3));
    QCOMPARE(count(s, ScriptClass::kDigit), uint64_t(3));
    QCOMPARE(count(s, ScriptClass::kPunctuation), uint64_t(2));
    QCOMPARE(count(s, ScriptClass::kWhitespace), uint64_t(3));
    QCOMPARE(glossa::letter_chars(s), uint64_t(6));
    QCOMPARE(s.target_script_share, 0.5);    // 3 Hangul of 6 letters
    QCOMPARE(s.mean_word_length, 11.0 / 4);  // 3 + 3 + 3 + 2 chars
    QCOMPARE(compute_signals("한국어 abc 123 !!", ScriptClass::kCyrillic).target_script_share, 0.0);
  }

  void targetShareIsZeroWithoutLetters() {
    const auto s = compute_signals("123 ... !!", ScriptClass::kHangul);
    QCOMPARE(glossa::letter_chars(s), uint64_t(0));
    QCOMPARE(s.target_script_share, 0.0);
    QCOMPARE(s.words, uint64_t(3));
  }

  void wordsSplitOnAnyWhiteSpace() {
    // Ideographic space, tab, newline, CRLF and runs of spaces all separate words.
    const auto s = compute_signals("가\u3000나\t다\n라\r\n마   바  ", ScriptClass::kHangul);
    QCOMPARE(s.words, uint64_t(6));
    QCOMPARE(s.mean_word_length, 1.0);
    QCOMPARE(s.target_script_share, 1.0);
    QCOMPARE(compute_signals("   ", ScriptClass::kLatin).words, uint64_t(0));
  }

  void invalidUtf8CountsAsReplacementCharacters() {
    // 0xC3 without a continuation: one U+FFFD (punctuation) inside the word "a?b".
    const auto s = compute_signals(
        "a\xC3"
        "b \xF0\x9F",
        ScriptClass::kLatin);
    QCOMPARE(s.chars, uint64_t(5));  // a, U+FFFD, b, space, U+FFFD (truncated 4-byte sequence)
    QCOMPARE(count(s, ScriptClass::kPunctuation), uint64_t(2));
    QCOMPARE(s.words, uint64_t(2));
    QCOMPARE(s.target_script_share, 1.0);
  }

  void duplicateLinesAreCountedAfterTheirFirstOccurrence() {
    // Non-blank lines: foo, bar, foo, bar (CR stripped), baz, " foo" (differs): 6, 2 repeats.
    const auto s = compute_signals("foo\nbar\nfoo\n\n  \nbar\r\nbaz\n foo\n", ScriptClass::kLatin);
    QCOMPARE(s.duplicate_line_fraction, 2.0 / 6);
    QCOMPARE(compute_signals("x\nx\nx\nx", ScriptClass::kLatin).duplicate_line_fraction, 0.75);
    QCOMPARE(compute_signals("one line", ScriptClass::kLatin).duplicate_line_fraction, 0.0);
    QCOMPARE(compute_signals("a\nb\nc", ScriptClass::kLatin).duplicate_line_fraction, 0.0);
  }

  void topBigramCoversItsOccurrencesCharacters() {
    // "the cat" twice: 2 x 6 chars of 20 word chars. No trigram or 4-gram repeats.
    const auto s = compute_signals("the cat sat on the cat mat", ScriptClass::kLatin);
    QCOMPARE(s.words, uint64_t(7));
    QCOMPARE(s.chars, uint64_t(26));
    QVERIFY(near(s.mean_word_length, 20.0 / 7));
    QVERIFY(near(s.top_ngram_repetition, 0.6));
  }

  void topNgramIsTheMaximumOverTwoToFour() {
    // "a b c d" twice: bigrams cover 4/10, trigrams 6/10, the 4-gram 8/10.
    QVERIFY(near(compute_signals("a b c d x a b c d y", ScriptClass::kLatin).top_ngram_repetition,
                 0.8));
  }

  void topNgramTiesPreferTheLongerNgram() {
    // Bigrams "aa b" and "c d" both occur twice; the longer covers 2 x 3 of 10 chars.
    QVERIFY(
        near(compute_signals("aa b aa b c d c d", ScriptClass::kLatin).top_ngram_repetition, 0.6));
  }

  void topNgramNeedsARepeatAndIsCappedAtOne() {
    QCOMPARE(compute_signals("one two", ScriptClass::kLatin).top_ngram_repetition, 0.0);
    QCOMPARE(compute_signals("one", ScriptClass::kLatin).top_ngram_repetition, 0.0);
    // Overlapping occurrences: "a a" twice in "a a a" counts 4 of 3 chars, capped at 1.
    QCOMPARE(compute_signals("a a a", ScriptClass::kLatin).top_ngram_repetition, 1.0);
    // Words are compared byte-exactly: case and punctuation make different words.
    QCOMPARE(compute_signals("The cat, the cat.", ScriptClass::kLatin).top_ngram_repetition, 0.0);
  }

  void sameResultsFromSeveralThreads() {
    const std::string text = "좋아요 좋아요 정말 좋아요\n좋아요 좋아요 정말 좋아요\n끝";
    const auto expected = compute_signals(text, ScriptClass::kHangul);
    QCOMPARE(expected.duplicate_line_fraction, 1.0 / 3);
    std::vector<DocumentSignals> results(4);
    std::vector<std::thread> threads;
    for (auto& r : results)
      threads.emplace_back([&r, &text] {
        for (int i = 0; i < 200; ++i) r = compute_signals(text, ScriptClass::kHangul);
      });
    for (auto& t : threads) t.join();
    for (const auto& r : results) {
      QCOMPARE(r.top_ngram_repetition, expected.top_ngram_repetition);
      QCOMPARE(r.script_chars, expected.script_chars);
      QCOMPARE(r.words, expected.words);
    }
  }

  void hashDependsOnEveryByte() {
    QVERIFY(glossa::hash64("abcdefgh1") != glossa::hash64("abcdefgh2"));
    QVERIFY(glossa::hash64("") != glossa::hash64(std::string_view("\0", 1)));
    QCOMPARE(glossa::hash64("same text"), glossa::hash64(std::string("same text")));
  }
};

QTEST_GUILESS_MAIN(TestDocumentSignals)
#include "test_document_signals.moc"
