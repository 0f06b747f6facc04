// ctest-labels: unit
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <random>

#include "support/test_support.h"
#include "tokenizer/text/utf8.h"

namespace utf8 = glossa::utf8;

namespace {
std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(char(v));
  return out;
}

std::u32string decode_all(std::string_view s) {
  std::u32string out;
  const char* p = s.data();
  while (p < s.data() + s.size()) out.push_back(utf8::decode_next(p, s.data() + s.size()));
  return out;
}

std::string to_hex(std::string_view s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

const std::string kFffd(utf8::kReplacementUtf8);
}  // namespace

class TestUtf8 : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // Data quoted in an error message never carries raw bytes or control characters to a terminal.
  void printableExcerptEscapesBinaryAndCuts() {
    using glossa::utf8::printable_excerpt;
    QCOMPARE(printable_excerpt("안녕 review"), std::string("안녕 review"));
    QCOMPARE(printable_excerpt(std::string("a\x00" "b\tc\x1B[31m", 10)),
             std::string("a\\x00b\\tc\\x1B[31m"));
    QCOMPARE(printable_excerpt("x\xC3(y\xFF"), std::string("x\\xC3(y\\xFF"));
    QCOMPARE(printable_excerpt("\xEF\xBF\xBD"), std::string("\xEF\xBF\xBD"));  // a real U+FFFD
    QCOMPARE(printable_excerpt("\xC2\x85"), std::string("\\x85"));  // C1 control NEL
    QCOMPARE(printable_excerpt(std::string(100, 'a'), 5), std::string("aaaaa… (100 bytes)"));
  }

  void decodesEveryLengthOfValidSequence() {
    const std::string text = "a\u00e9\ud55c\U0001F600";  // 1, 2, 3 and 4 bytes
    QVERIFY(utf8::is_valid(text));
    QCOMPARE(decode_all(text), std::u32string(U"a\u00e9\ud55c\U0001F600"));
    QCOMPARE(utf8::count_chars_valid(text), size_t(4));
    QCOMPARE(utf8::count_chars(text), size_t(4));
    std::string encoded;
    for (char32_t cp : {U'a', U'\u00e9', U'\ud55c', U'\U0001F600', U'\U0010FFFF'})
      utf8::append_code_point(&encoded, cp);
    QCOMPARE(encoded, text + "\xF4\x8F\xBF\xBF");
    QVERIFY(utf8::is_valid(encoded));
  }

  // Unicode 15, Table 3-8 ("U+FFFD for non-shortest form sequences" example).
  void replacesMaximalSubpartsAsUnicodeTable3_8() {
    const std::string in =
        bytes({0x61, 0xF1, 0x80, 0x80, 0xE1, 0x80, 0xC2, 0x62, 0x80, 0x63, 0x80, 0xBF, 0x64});
    const std::string expected =
        "a" + kFffd + kFffd + kFffd + "b" + kFffd + "c" + kFffd + kFffd + "d";
    std::vector<utf8::Problem> problems;
    std::string out;
    QCOMPARE(utf8::append_repaired(&out, in, &problems, 100), size_t(6));
    QCOMPARE(out, expected);
    QCOMPARE(problems.size(), size_t(6));
    const size_t offsets[] = {1, 4, 6, 8, 10, 11};
    const size_t lengths[] = {3, 2, 1, 1, 1, 1};
    for (size_t i = 0; i < 6; ++i) {
      QCOMPARE(problems[i].offset, offsets[i]);
      QCOMPARE(problems[i].length, lengths[i]);
    }
    QCOMPARE(utf8::count_chars(in), utf8::count_chars_valid(expected));
  }

  void namesEveryKindOfInvalidSequence() {
    struct Case {
      std::string in;
      const char* what;  // a word the description must contain
      size_t replaced;
    };
    const Case cases[] = {
        {bytes({0x41, 0x80}), "unexpected continuation byte 0x80", 1},
        {bytes({0xC0, 0xAF}), "overlong", 2},  // C0 and AF: two maximal subparts
        {bytes({0xE0, 0x80, 0xAF}), "overlong encoding (0xE0 0x80)", 3},
        {bytes({0xF0, 0x8F, 0xBF, 0xBF}), "overlong encoding (0xF0 0x8F)", 4},
        {bytes({0xED, 0xA0, 0x80}), "surrogate", 3},
        {bytes({0xF4, 0x90, 0x80, 0x80}), "above U+10FFFF", 4},
        {bytes({0xF5, 0x41}), "never occurs", 1},
        {bytes({0xC3, 0x41}), "not followed by enough continuation bytes (got 0x41", 1},
        {bytes({0x41, 0xE2, 0x82}), "incomplete sequence 0xE2 0x82", 1},
    };
    for (const Case& c : cases) {
      std::vector<utf8::Problem> problems;
      std::string out;
      QCOMPARE(utf8::append_repaired(&out, c.in, &problems, 10), c.replaced);
      QVERIFY(utf8::is_valid(out));
      QVERIFY2(!problems.empty() && problems[0].what.find(c.what) != std::string::npos,
               problems.empty() ? "no problem" : problems[0].what.c_str());
    }
  }

  void keepsOnlyTheFirstProblemsButCountsAll() {
    const std::string in(50, '\xFF');
    std::vector<utf8::Problem> problems;
    std::string out;
    QCOMPARE(utf8::append_repaired(&out, in, &problems, 3), size_t(50));
    QCOMPARE(problems.size(), size_t(3));
    QCOMPARE(problems[2].offset, size_t(2));
    QCOMPARE(out.size(), 50 * kFffd.size());
  }

  void decodeNextAgreesWithRepairOnRandomBytes() {
    std::mt19937 rng(7);
    // Bytes biased toward the interesting ranges: ASCII, continuation bytes, lead bytes.
    const int pool[] = {0x41, 0x80, 0x9F, 0xA0, 0xBF, 0xC2, 0xDF, 0xE0, 0xED, 0xEF,
                        0xF0, 0xF4, 0xF5, 0xC0, 0xE1, 0xF1, 0x8F, 0x90, 0x0A, 0xFF};
    for (int round = 0; round < 2000; ++round) {
      std::string in;
      const int n = int(rng() % 24);
      for (int i = 0; i < n; ++i) in.push_back(char(pool[rng() % std::size(pool)]));
      const std::string out = utf8::repaired(in);
      QVERIFY(utf8::is_valid(out));
      QCOMPARE(decode_all(in), decode_all(out));
      QCOMPARE(utf8::count_chars(in), utf8::count_chars_valid(out));
    }
  }

  // Python's bytes.decode('utf-8', 'replace') applies the same maximal-subpart rule.
  void repairMatchesPythonDecoder() {
    GLOSSA_REQUIRE_PYTHON(py);
    std::mt19937 rng(11);
    QStringList args{glossa::test::pythonScript("corpus_reference.py"), "repair"};
    std::vector<std::string> inputs;
    for (int round = 0; round < 300; ++round) {
      std::string in;
      const int n = 1 + int(rng() % 16);
      for (int i = 0; i < n; ++i)
        in.push_back(char(rng() % 2 ? 0x80 + rng() % 0x80 : rng() % 0x100));
      inputs.push_back(in);
      args << QString::fromStdString(to_hex(in));
    }
    const auto result = glossa::test::run(py, args);
    QVERIFY2(result.exit_code == 0, result.err.constData());
    const QJsonArray texts = QJsonDocument::fromJson(result.out).object()["texts"].toArray();
    QCOMPARE(size_t(texts.size()), inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i)
      QCOMPARE(QString::fromStdString(utf8::repaired(inputs[i])), texts[int(i)].toString());
  }

  void findsCharacterBoundaries() {
    const std::string text = "a\ud55c\U0001F600";  // a(1) 한(3) 😀(4): boundaries 0 1 4 8
    const size_t expected_before[] = {0, 1, 1, 1, 4, 4, 4, 4, 8};
    for (size_t cut = 0; cut <= text.size(); ++cut)
      QCOMPARE(utf8::boundary_before(text, cut), expected_before[cut]);
    for (size_t cut = 0; cut <= text.size(); ++cut)
      QCOMPARE(utf8::complete_prefix(std::string_view(text).substr(0, cut)), expected_before[cut]);
    // Stray continuation bytes are no character: any cut among them is acceptable.
    const std::string stray = bytes({0x41, 0x80, 0x80, 0x80, 0x80, 0x41});
    QCOMPARE(utf8::boundary_before(stray, 4), size_t(4));
  }
};

QTEST_GUILESS_MAIN(TestUtf8)
#include "test_utf8.moc"
