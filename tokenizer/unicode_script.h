// Coarse script classes of Unicode code points, for corpus statistics and quality signals: which
// writing system a character belongs to, or whether it is a digit, punctuation or whitespace.
// Lookup is one load from a table built once from ICU's properties (Unicode general category,
// White_Space, Script and Script_Extensions), so the hot loops of corpus scans stay cheap.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace glossa {

enum class ScriptClass : uint8_t {
  kHangul,       // Script=Hangul: syllables, Jamo, compatibility and halfwidth Jamo
  kHan,          // Script=Han: CJK ideographs (漢), 々, 〇
  kKana,         // Script=Hiragana or Katakana (incl. halfwidth), and ー, ゙ by Script_Extensions
  kLatin,        // Script=Latin
  kCyrillic,     // Script=Cyrillic
  kArabic,       // Script=Arabic
  kDigit,        // General_Category=Nd in any script (3, ٣, ３)
  kPunctuation,  // General_Category=P* or S* (。 , € + ♥ U+FFFD)
  kWhitespace,   // White_Space=yes (space, tab, newline, U+3000, NBSP)
  kOther,        // everything else: other scripts, marks and controls not above, unassigned
  kCount
};
inline constexpr size_t kScriptClassCount = size_t(ScriptClass::kCount);

// Lower-case name: "hangul", "han", "kana", "latin", "cyrillic", "arabic", "digit",
// "punctuation", "whitespace", "other".
const char* script_class_name(ScriptClass c);

// Parses a name of script_class_name (case-insensitive); nullopt for anything else.
std::optional<ScriptClass> try_parse_script_class(std::string_view name);
// Same, restricted to the six writing systems a corpus can target (hangul, han, kana, latin,
// cyrillic, arabic); throws Error listing them for anything else.
ScriptClass parse_script_class(std::string_view name);

// True for the classes that count as letters in shares: not digit, punctuation or whitespace.
inline bool is_letter_class(ScriptClass c) {
  return c != ScriptClass::kDigit && c != ScriptClass::kPunctuation &&
         c != ScriptClass::kWhitespace;
}

// The precomputed table. Planes 0-3 (BMP, SMP, SIP, TIP: every assigned character of the six
// scripts) are stored; code points from U+40000 on are all kOther (unassigned, tags, variation
// selectors, private use), which needs no table.
class ScriptTable {
 public:
  static constexpr char32_t kTableSize = 0x40000;

  ScriptClass classify(char32_t cp) const {
    return cp < kTableSize ? ScriptClass(classes_[cp]) : ScriptClass::kOther;
  }

  // The process-wide table, built on first use (~262K ICU queries, a few milliseconds).
  static const ScriptTable& get();

 private:
  ScriptTable();
  std::array<uint8_t, kTableSize> classes_;  // ScriptClass per code point
};

// Convenience for single lookups; hot loops should hold `ScriptTable::get()` instead.
inline ScriptClass script_class(char32_t cp) { return ScriptTable::get().classify(cp); }

}  // namespace glossa
