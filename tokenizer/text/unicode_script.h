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
#include <vector>

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

// ---- code point ranges of a script (what counting and EEVE's single-character rule test) ----

// An inclusive range of Unicode code points.
struct CodeRange {
  char32_t first = 0;
  char32_t last = 0;
};

// Hangul: syllables U+AC00–D7A3, Jamo U+1100–11FF, compatibility Jamo U+3130–318F,
// Jamo extended-A U+A960–A97F and extended-B U+D7B0–D7FF.
std::vector<CodeRange> hangul_ranges();
// Ranges of a script by name: "hangul" (the ranges above), or "han", "kana", "latin",
// "cyrillic", "arabic" (every code point unicode_script.h puts in that class); throws Error
// listing the names it knows.
std::vector<CodeRange> script_ranges(std::string_view script);
bool in_ranges(char32_t c, const std::vector<CodeRange>& ranges);
// True when `text` holds at least one code point inside `ranges`.
bool contains_script_char(std::string_view text, const std::vector<CodeRange>& ranges);

}  // namespace glossa
