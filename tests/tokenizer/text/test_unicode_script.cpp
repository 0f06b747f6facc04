// ctest-labels: unit
#include <QtTest>

#include "base/error.h"
#include "tokenizer/text/unicode_script.h"

using glossa::script_class;
using glossa::ScriptClass;

namespace {
// Class of the single character encoded in `utf8` (decoded by Qt: an independent decoder).
ScriptClass of(const char* utf8) {
  const QString s = QString::fromUtf8(utf8);
  const auto ucs4 = s.toUcs4();
  if (ucs4.size() != 1) qFatal("test sample must be one character: %s", utf8);
  return script_class(char32_t(ucs4[0]));
}
}  // namespace

class TestUnicodeScript : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void hangulIncludesSyllablesJamoAndCompatibilityJamo() {
    QCOMPARE(of("한"), ScriptClass::kHangul);              // U+D55C syllable
    QCOMPARE(of("가"), ScriptClass::kHangul);              // U+AC00 first syllable
    QCOMPARE(of("힣"), ScriptClass::kHangul);              // U+D7A3 last syllable
    QCOMPARE(of("ᄀ"), ScriptClass::kHangul);              // U+1100 conjoining Jamo
    QCOMPARE(of("ㄱ"), ScriptClass::kHangul);              // U+3131 compatibility Jamo
    QCOMPARE(of("ㅋ"), ScriptClass::kHangul);              // U+314B, as in ㅋㅋㅋ
    QCOMPARE(of("ﾡ"), ScriptClass::kHangul);               // U+FFA1 halfwidth Jamo
    QCOMPARE(script_class(0xA960), ScriptClass::kHangul);  // Jamo Extended-A
    QCOMPARE(script_class(0xD7B0), ScriptClass::kHangul);  // Jamo Extended-B
  }

  void hanKanaLatinCyrillicArabic() {
    QCOMPARE(of("漢"), ScriptClass::kHan);
    QCOMPARE(of("々"), ScriptClass::kHan);
    QCOMPARE(script_class(0x20000), ScriptClass::kHan);  // CJK Extension B (plane 2)
    QCOMPARE(of("カ"), ScriptClass::kKana);
    QCOMPARE(of("ひ"), ScriptClass::kKana);
    QCOMPARE(of("ｶ"), ScriptClass::kKana);   // halfwidth katakana
    QCOMPARE(of("ー"), ScriptClass::kKana);  // Common, but only Hiragana/Katakana use it
    QCOMPARE(of("a"), ScriptClass::kLatin);
    QCOMPARE(of("é"), ScriptClass::kLatin);
    QCOMPARE(of("ß"), ScriptClass::kLatin);
    QCOMPARE(of("Ж"), ScriptClass::kCyrillic);
    QCOMPARE(of("ع"), ScriptClass::kArabic);
  }

  void digitsAreNdInAnyScript() {
    QCOMPARE(of("3"), ScriptClass::kDigit);
    QCOMPARE(of("٣"), ScriptClass::kDigit);   // U+0663 Arabic-Indic three
    QCOMPARE(of("３"), ScriptClass::kDigit);  // fullwidth
    QCOMPARE(of("Ⅲ"), ScriptClass::kLatin);   // Nl, not Nd: classed by its script (Latin)
  }

  void punctuationIsPunctAndSymbols() {
    QCOMPARE(of("。"), ScriptClass::kPunctuation);
    QCOMPARE(of(","), ScriptClass::kPunctuation);
    QCOMPARE(of("!"), ScriptClass::kPunctuation);
    QCOMPARE(of("+"), ScriptClass::kPunctuation);  // Sm
    QCOMPARE(of("€"), ScriptClass::kPunctuation);  // Sc
    QCOMPARE(of("♥"), ScriptClass::kPunctuation);  // So
    QCOMPARE(of("「"), ScriptClass::kPunctuation);
    QCOMPARE(script_class(0xFFFD), ScriptClass::kPunctuation);  // replacement character (So)
  }

  void whitespaceIsWhiteSpaceProperty() {
    QCOMPARE(script_class(U' '), ScriptClass::kWhitespace);
    QCOMPARE(script_class(U'\t'), ScriptClass::kWhitespace);
    QCOMPARE(script_class(U'\n'), ScriptClass::kWhitespace);
    QCOMPARE(script_class(U'\r'), ScriptClass::kWhitespace);
    QCOMPARE(script_class(0x3000), ScriptClass::kWhitespace);  // ideographic space
    QCOMPARE(script_class(0x00A0), ScriptClass::kWhitespace);  // no-break space
    QCOMPARE(script_class(0x200B), ScriptClass::kOther);       // zero width space: not White_Space
  }

  void othersAndOutOfRange() {
    QCOMPARE(of("α"), ScriptClass::kOther);                // Greek
    QCOMPARE(of("ก"), ScriptClass::kOther);                // Thai
    QCOMPARE(script_class(0x0000), ScriptClass::kOther);   // control
    QCOMPARE(script_class(0xE000), ScriptClass::kOther);   // private use
    QCOMPARE(script_class(0xE0041), ScriptClass::kOther);  // tag (beyond the table)
    QCOMPARE(script_class(0x10FFFF), ScriptClass::kOther);
  }

  void parsesTargetNames() {
    QCOMPARE(glossa::parse_script_class("hangul"), ScriptClass::kHangul);
    QCOMPARE(glossa::parse_script_class("Han"), ScriptClass::kHan);
    QCOMPARE(glossa::parse_script_class("kana"), ScriptClass::kKana);
    QCOMPARE(glossa::parse_script_class("latin"), ScriptClass::kLatin);
    QCOMPARE(glossa::parse_script_class("cyrillic"), ScriptClass::kCyrillic);
    QCOMPARE(glossa::parse_script_class("arabic"), ScriptClass::kArabic);
    QVERIFY_THROWS_EXCEPTION(glossa::Error, glossa::parse_script_class("digit"));
    QVERIFY_THROWS_EXCEPTION(glossa::Error, glossa::parse_script_class("greek"));
    for (size_t i = 0; i < glossa::kScriptClassCount; ++i) {
      const auto c = ScriptClass(i);
      QCOMPARE(glossa::try_parse_script_class(glossa::script_class_name(c)).value(), c);
    }
    QVERIFY(!glossa::try_parse_script_class("count").has_value());
  }

  void errorNamesTheChoices() {
    try {
      glossa::parse_script_class("korean");
      QFAIL("no error");
    } catch (const glossa::Error& e) {
      QVERIFY(std::string(e.what()).find("korean") != std::string::npos);
      QVERIFY(std::string(e.what()).find("hangul") != std::string::npos);
    }
  }
};

QTEST_GUILESS_MAIN(TestUnicodeScript)
#include "test_unicode_script.moc"
