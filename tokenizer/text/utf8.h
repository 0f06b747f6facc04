// UTF-8 validation, repair and decoding. Invalid input is handled by the Unicode / WHATWG
// "maximal subpart" rule (Unicode 15, §3.9, U+FFFD substitution): each maximal prefix of a
// well-formed sequence that cannot be completed, and each byte that cannot start one, becomes
// one U+FFFD. So repair and decode_next agree: counting the characters of raw text with
// decode_next gives the same number as counting those of its repaired copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace glossa::utf8 {

inline constexpr char32_t kReplacementChar = 0xFFFD;
inline constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";

// One invalid sequence found while repairing.
struct Problem {
  size_t offset = 0;  // bytes from the start of the input
  size_t length = 0;  // bytes replaced by this one U+FFFD (1..3)
  std::string what;   // e.g. "byte 0xC3 not followed by a continuation byte (got 0x41)"
};

namespace detail {
inline bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Allowed range of the byte after lead byte `b0` (Unicode Table 3-7); {0, 0} for bytes that
// cannot start a multi-byte sequence. `count` receives the number of continuation bytes.
struct LeadInfo {
  unsigned char lo, hi;
  int count;
};
inline LeadInfo lead_info(unsigned char b0) {
  if (b0 >= 0xC2 && b0 <= 0xDF) return {0x80, 0xBF, 1};
  if (b0 == 0xE0) return {0xA0, 0xBF, 2};  // below A0: overlong
  if (b0 == 0xED) return {0x80, 0x9F, 2};  // above 9F: UTF-16 surrogates
  if (b0 >= 0xE1 && b0 <= 0xEF) return {0x80, 0xBF, 2};
  if (b0 == 0xF0) return {0x90, 0xBF, 3};  // below 90: overlong
  if (b0 >= 0xF1 && b0 <= 0xF3) return {0x80, 0xBF, 3};
  if (b0 == 0xF4) return {0x80, 0x8F, 3};  // above 8F: beyond U+10FFFF
  return {0, 0, 0};
}

// Length of the well-formed sequence at p (>= 2 bytes), or 0 when it is invalid or truncated.
inline size_t valid_multibyte_length(const unsigned char* p, const unsigned char* end) {
  const LeadInfo info = lead_info(p[0]);
  if (info.count == 0 || end - p <= info.count) return 0;
  if (p[1] < info.lo || p[1] > info.hi) return 0;
  for (int i = 2; i <= info.count; ++i)
    if (!is_continuation(p[i])) return 0;
  return size_t(info.count) + 1;
}

// Length of the maximal invalid subpart at p (p < end, p does not start a valid sequence).
size_t invalid_length(const unsigned char* p, const unsigned char* end);
}  // namespace detail

// Bytes of the character a lead byte starts, for VALID UTF-8 (a stray continuation byte: 1).
inline size_t sequence_length(unsigned char lead) {
  return lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

// Decodes the character at p (p < end) and advances p past it. An invalid sequence yields
// kReplacementChar and advances by its maximal subpart (at least one byte).
inline char32_t decode_next(const char*& p, const char* end) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  const unsigned char b0 = u[0];
  if (b0 < 0x80) {  // ASCII fast path
    ++p;
    return b0;
  }
  // Korean, Chinese and Japanese text is mostly 3-byte sequences: decoded inline when valid
  // (not overlong, not a surrogate).
  if ((b0 & 0xF0) == 0xE0 && end - p >= 3 && detail::is_continuation(u[1]) &&
      detail::is_continuation(u[2])) {
    const char32_t cp = char32_t(b0 & 0x0F) << 12 | char32_t(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
    if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
      p += 3;
      return cp;
    }
  }
  const auto* uend = reinterpret_cast<const unsigned char*>(end);
  const size_t n = detail::valid_multibyte_length(u, uend);
  if (n == 0) {
    p += detail::invalid_length(u, uend);
    return kReplacementChar;
  }
  char32_t cp = b0 & (0x7F >> n);
  for (size_t i = 1; i < n; ++i) cp = (cp << 6) | (u[i] & 0x3F);
  p += n;
  return cp;
}

// Length of the longest prefix of `s` that is valid UTF-8 (s.size() when all of it is).
size_t valid_prefix_length(std::string_view s);
inline bool is_valid(std::string_view s) { return valid_prefix_length(s) == s.size(); }

// Appends `in` to `out`, each maximal invalid subpart replaced by U+FFFD. Returns how many were
// replaced. The first `max_problems` are appended to `problems` (when not null) with offsets
// relative to the start of `in`. Valid input costs one validation pass and one copy.
size_t append_repaired(std::string* out, std::string_view in,
                       std::vector<Problem>* problems = nullptr, size_t max_problems = 0);

// Repaired copy of `in` (convenience for tests and small strings).
std::string repaired(std::string_view in);

// Text from a data file made safe to quote in a message: invalid bytes and control characters
// written as \xNN (\t, \n, \r as such), cut after `max_chars` characters with "…" and the
// total size, so an error never echoes binary garbage to a terminal.
std::string printable_excerpt(std::string_view text, size_t max_chars = 40);

// Why the sequence at p is invalid, in words (p must start an invalid sequence).
std::string describe_invalid(const char* p, const char* end);

// The largest cut <= `cut` (cut <= s.size()) that does not split a character: s[0, result) ends
// on a character boundary. Needs at most 3 steps back; for invalid bytes any cut is "a boundary".
size_t boundary_before(std::string_view s, size_t cut);

// Length of `s` without a trailing incomplete sequence: when `s` is a chunk of a longer text
// that continues in the next chunk, s[0, result) can be processed without cutting a character.
size_t complete_prefix(std::string_view s);

// Number of characters (code points) of VALID UTF-8: the bytes that are not continuation bytes.
// Much faster than decoding; use decode_next when the text may be invalid.
size_t count_chars_valid(std::string_view valid);

// Number of characters of any bytes, each maximal invalid subpart counting as one (like the
// repaired text would).
size_t count_chars(std::string_view s);

// Appends the UTF-8 encoding of code point `cp` (must be a scalar value) to `out`.
void append_code_point(std::string* out, char32_t cp);

}  // namespace glossa::utf8
