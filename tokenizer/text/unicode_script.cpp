#include "tokenizer/text/unicode_script.h"

#include "tokenizer/text/utf8.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <string>

#include "base/error.h"

namespace glossa {
namespace {

constexpr const char* kNames[kScriptClassCount] = {"hangul",     "han",    "kana",  "latin",
                                                   "cyrillic",   "arabic", "digit", "punctuation",
                                                   "whitespace", "other"};

// The class of one ICU script code, or kCount when it is none of the six.
ScriptClass from_script(UScriptCode script) {
  switch (script) {
    case USCRIPT_HANGUL:
      return ScriptClass::kHangul;
    case USCRIPT_HAN:
      return ScriptClass::kHan;
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA:
    case USCRIPT_KATAKANA_OR_HIRAGANA:
      return ScriptClass::kKana;
    case USCRIPT_LATIN:
      return ScriptClass::kLatin;
    case USCRIPT_CYRILLIC:
      return ScriptClass::kCyrillic;
    case USCRIPT_ARABIC:
      return ScriptClass::kArabic;
    default:
      return ScriptClass::kCount;
  }
}

// Characters of Script=Common/Inherited that only one of the six scripts uses (by
// Script_Extensions, e.g. ー U+30FC = {Hira, Kana}, U+3099 = {Hira, Kana}) join that script;
// shared ones (e.g. U+3001 in Bopo, Hang, Hani, Hira, Kana, Yiii) stay kOther.
ScriptClass from_extensions(UChar32 cp) {
  UScriptCode codes[32];
  UErrorCode status = U_ZERO_ERROR;
  const int n = uscript_getScriptExtensions(cp, codes, 32, &status);
  if (U_FAILURE(status)) return ScriptClass::kOther;
  ScriptClass found = ScriptClass::kCount;
  for (int i = 0; i < n; ++i) {
    const ScriptClass c = from_script(codes[i]);
    if (c == ScriptClass::kCount) continue;
    if (found != ScriptClass::kCount && found != c) return ScriptClass::kOther;
    found = c;
  }
  return found == ScriptClass::kCount ? ScriptClass::kOther : found;
}

ScriptClass classify_with_icu(UChar32 cp) {
  if (u_isUWhiteSpace(cp)) return ScriptClass::kWhitespace;
  const int8_t type = u_charType(cp);
  if (type == U_DECIMAL_DIGIT_NUMBER) return ScriptClass::kDigit;
  const uint32_t mask = U_MASK(type);
  if (mask & (U_GC_P_MASK | U_GC_S_MASK)) return ScriptClass::kPunctuation;
  UErrorCode status = U_ZERO_ERROR;
  const UScriptCode script = uscript_getScript(cp, &status);
  if (U_FAILURE(status)) return ScriptClass::kOther;
  const ScriptClass c = from_script(script);
  if (c != ScriptClass::kCount) return c;
  if (script == USCRIPT_COMMON || script == USCRIPT_INHERITED) return from_extensions(cp);
  return ScriptClass::kOther;
}

}  // namespace

const char* script_class_name(ScriptClass c) {
  const size_t i = size_t(c);
  return i < kScriptClassCount ? kNames[i] : "invalid";
}

std::optional<ScriptClass> try_parse_script_class(std::string_view name) {
  std::string lower(name);
  for (char& ch : lower)
    if (ch >= 'A' && ch <= 'Z') ch = char(ch - 'A' + 'a');
  for (size_t i = 0; i < kScriptClassCount; ++i)
    if (lower == kNames[i]) return ScriptClass(i);
  return std::nullopt;
}

ScriptClass parse_script_class(std::string_view name) {
  const auto c = try_parse_script_class(name);
  if (!c || !is_letter_class(*c) || *c == ScriptClass::kOther) {
    fail("target script '" + std::string(name) + "'",
         "unknown writing system; use one of hangul, han, kana, latin, cyrillic, arabic");
  }
  return *c;
}

ScriptTable::ScriptTable() {
  for (char32_t cp = 0; cp < kTableSize; ++cp) {
    // Surrogates never come out of a UTF-8 decoder; classify them as kOther anyway.
    classes_[cp] = uint8_t(classify_with_icu(UChar32(cp)));
  }
}

const ScriptTable& ScriptTable::get() {
  static const ScriptTable table;  // thread-safe initialization (C++11 magic statics)
  return table;
}

std::vector<CodeRange> hangul_ranges() {
  return {{0x1100, 0x11FF}, {0x3130, 0x318F}, {0xA960, 0xA97F}, {0xAC00, 0xD7A3}, {0xD7B0, 0xD7FF}};
}

std::vector<CodeRange> script_ranges(std::string_view script) {
  if (script == "hangul" || script == "Hangul") return hangul_ranges();
  // Other writing systems: the maximal runs of code points the script table gives that class
  // (planes 0-3; everything above is kOther). Throws listing the names for anything else.
  const ScriptClass wanted = parse_script_class(script);
  const ScriptTable& table = ScriptTable::get();
  std::vector<CodeRange> ranges;
  for (char32_t c = 0; c < 0x40000; ++c) {
    if (table.classify(c) != wanted) continue;
    if (!ranges.empty() && ranges.back().last + 1 == c)
      ranges.back().last = c;
    else
      ranges.push_back({c, c});
  }
  return ranges;
}

bool in_ranges(char32_t c, const std::vector<CodeRange>& ranges) {
  for (const CodeRange& r : ranges)
    if (c >= r.first && c <= r.last) return true;
  return false;
}

bool contains_script_char(std::string_view text, const std::vector<CodeRange>& ranges) {
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end)
    if (in_ranges(utf8::decode_next(p, end), ranges)) return true;
  return false;
}

}  // namespace glossa
