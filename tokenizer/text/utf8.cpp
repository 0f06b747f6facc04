#include "tokenizer/text/utf8.h"

#include <cstdio>
#include <cstring>

namespace glossa::utf8 {

namespace {
constexpr uint64_t kHighBits = 0x8080808080808080ULL;  // the top bit of each of 8 bytes

const unsigned char* u8(const char* p) { return reinterpret_cast<const unsigned char*>(p); }

std::string hex_byte(unsigned char b) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02X", b);
  return text;
}

// Skips ASCII 8 bytes at a time; returns the first non-ASCII byte or `end`.
const unsigned char* skip_ascii(const unsigned char* p, const unsigned char* end) {
  while (end - p >= 16) {
    uint64_t a, b;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, 8);
    if ((a | b) & kHighBits) break;
    p += 16;
  }
  while (p < end && *p < 0x80) ++p;
  return p;
}
}  // namespace

namespace detail {
size_t invalid_length(const unsigned char* p, const unsigned char* end) {
  const LeadInfo info = lead_info(p[0]);
  if (info.count == 0) return 1;  // a byte that cannot start a sequence
  // The maximal subpart: the lead plus every following byte that still fits a well-formed
  // sequence, stopping at the first that does not (or at the end of the input).
  size_t n = 1;
  if (p + n >= end || p[n] < info.lo || p[n] > info.hi) return n;
  ++n;
  while (n <= size_t(info.count) && p + n < end && is_continuation(p[n])) ++n;
  return n;
}
}  // namespace detail

size_t valid_prefix_length(std::string_view s) {
  const unsigned char* const begin = u8(s.data());
  const unsigned char* const end = begin + s.size();
  const unsigned char* p = begin;
  for (;;) {
    p = skip_ascii(p, end);
    if (p == end) return s.size();
    // Non-ASCII run: decode sequences until ASCII comes back.
    while (p < end && *p >= 0x80) {
      const size_t n = detail::valid_multibyte_length(p, end);
      if (n == 0) return size_t(p - begin);
      p += n;
    }
  }
}

std::string describe_invalid(const char* p, const char* end) {
  const unsigned char* u = u8(p);
  const unsigned char* uend = u8(end);
  const unsigned char b0 = u[0];
  if (detail::is_continuation(b0)) return "unexpected continuation byte " + hex_byte(b0);
  if (b0 == 0xC0 || b0 == 0xC1) return "byte " + hex_byte(b0) + " only starts overlong encodings";
  if (b0 >= 0xF5) return "byte " + hex_byte(b0) + " never occurs in UTF-8";
  const size_t n = detail::invalid_length(u, uend);
  const detail::LeadInfo info = detail::lead_info(b0);
  if (u + n >= uend) {
    std::string seq = hex_byte(b0);
    for (size_t i = 1; i < n; ++i) seq.append(" ").append(hex_byte(u[i]));
    return "incomplete sequence " + seq + " cut off by the end of the text";
  }
  const unsigned char bad = u[n];
  if (n == 1 && detail::is_continuation(bad)) {
    const std::string pair = hex_byte(b0) + " " + hex_byte(bad);
    if (b0 == 0xE0 || b0 == 0xF0) return "overlong encoding (" + pair + ")";
    if (b0 == 0xED) return "UTF-16 surrogate encoded in UTF-8 (" + pair + ")";
    if (b0 == 0xF4) return "code point above U+10FFFF (" + pair + ")";
  }
  return "byte " + hex_byte(b0) + " not followed by enough continuation bytes (got " +
         hex_byte(bad) + " after " + std::to_string(n) + " of " + std::to_string(info.count + 1) +
         " bytes)";
}

size_t append_repaired(std::string* out, std::string_view in, std::vector<Problem>* problems,
                       size_t max_problems) {
  size_t replaced = 0;
  size_t pos = 0;
  while (pos < in.size()) {
    const size_t valid = valid_prefix_length(in.substr(pos));
    out->append(in.data() + pos, valid);
    pos += valid;
    if (pos == in.size()) break;
    const char* bad = in.data() + pos;
    const size_t n = detail::invalid_length(u8(bad), u8(in.data() + in.size()));
    if (problems && problems->size() < max_problems)
      problems->push_back({pos, n, describe_invalid(bad, in.data() + in.size())});
    out->append(kReplacementUtf8);
    ++replaced;
    pos += n;
  }
  return replaced;
}

std::string repaired(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  append_repaired(&out, in);
  return out;
}

size_t boundary_before(std::string_view s, size_t cut) {
  if (cut >= s.size()) return s.size();
  // Step back over at most 3 continuation bytes to the lead byte of the character at `cut`.
  size_t lead = cut;
  while (lead > 0 && cut - lead < 3 && detail::is_continuation(u8(s.data())[lead])) --lead;
  if (lead == cut) return cut;  // s[cut] starts a character (or is a stray byte)
  const detail::LeadInfo info = detail::lead_info(u8(s.data())[lead]);
  // Cut before the lead only when its sequence really extends past `cut`.
  return (info.count > 0 && lead + size_t(info.count) >= cut) ? lead : cut;
}

size_t complete_prefix(std::string_view s) {
  const size_t size = s.size();
  for (size_t back = 1; back <= 3 && back <= size; ++back) {
    const unsigned char b = u8(s.data())[size - back];
    if (detail::is_continuation(b)) continue;
    const detail::LeadInfo info = detail::lead_info(b);
    return (info.count > 0 && size_t(info.count) >= back) ? size - back : size;
  }
  return size;
}

size_t count_chars_valid(std::string_view valid) {
  size_t continuation = 0;
  for (const unsigned char b : valid) continuation += (b & 0xC0) == 0x80;
  return valid.size() - continuation;
}

size_t count_chars(std::string_view s) {
  size_t chars = 0;
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p < end) {
    const size_t valid = valid_prefix_length(std::string_view(p, size_t(end - p)));
    chars += count_chars_valid(std::string_view(p, valid));
    p += valid;
    if (p < end) {
      decode_next(p, end);  // one invalid subpart: one U+FFFD
      ++chars;
    }
  }
  return chars;
}

void append_code_point(std::string* out, char32_t cp) {
  if (cp < 0x80) {
    out->push_back(char(cp));
  } else if (cp < 0x800) {
    out->push_back(char(0xC0 | (cp >> 6)));
    out->push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(char(0xE0 | (cp >> 12)));
    out->push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(char(0xF0 | (cp >> 18)));
    out->push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(char(0x80 | (cp & 0x3F)));
  }
}

std::string printable_excerpt(std::string_view text, size_t max_chars) {
  std::string out;
  const char* p = text.data();
  const char* end = p + text.size();
  size_t chars = 0;
  char hex[8];
  while (p != end && chars < max_chars) {
    const char* start = p;
    const char32_t c = decode_next(p, end);
    ++chars;
    if (c == '\t' || c == '\n' || c == '\r') {
      out += c == '\t' ? "\\t" : c == '\n' ? "\\n" : "\\r";
    } else if (c == kReplacementChar && !is_valid(std::string_view(start, size_t(p - start)))) {
      for (const char* b = start; b != p; ++b) {
        std::snprintf(hex, sizeof hex, "\\x%02X", unsigned(static_cast<unsigned char>(*b)));
        out += hex;
      }
    } else if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0)) {
      std::snprintf(hex, sizeof hex, "\\x%02X", unsigned(c));
      out += hex;
    } else {
      out.append(start, p);
    }
  }
  if (p != end) out += "… (" + std::to_string(text.size()) + " bytes)";
  return out;
}

}  // namespace glossa::utf8
