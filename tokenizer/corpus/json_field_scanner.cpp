#include "tokenizer/corpus/json_field_scanner.h"

#include <cstdint>
#include <cstring>

#include "tokenizer/text/utf8.h"

namespace glossa {

namespace {

// A cursor over the line; every parse function returns false on a grammar error.
struct Cursor {
  const char* p;
  const char* end;

  void skip_space() {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
  }
  bool eat(char c) {
    if (p < end && *p == c) {
      ++p;
      return true;
    }
    return false;
  }
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool read_hex4(Cursor& c, uint32_t* value) {
  if (c.end - c.p < 4) return false;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const int h = hex_value(c.p[i]);
    if (h < 0) return false;
    v = v * 16 + uint32_t(h);
  }
  c.p += 4;
  *value = v;
  return true;
}


// After a backslash: one escape, decoded into `out` when it is not null.
bool read_escape(Cursor& c, std::string* out) {
  if (c.p >= c.end) return false;
  const char e = *c.p++;
  char plain = 0;
  switch (e) {
    case '"':
      plain = '"';
      break;
    case '\\':
      plain = '\\';
      break;
    case '/':
      plain = '/';
      break;
    case 'b':
      plain = '\b';
      break;
    case 'f':
      plain = '\f';
      break;
    case 'n':
      plain = '\n';
      break;
    case 'r':
      plain = '\r';
      break;
    case 't':
      plain = '\t';
      break;
    case 'u': {
      uint32_t cp = 0;
      if (!read_hex4(c, &cp)) return false;
      if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a lone low surrogate
      if (cp >= 0xD800 && cp <= 0xDBFF) {              // must be followed by a low one
        uint32_t low = 0;
        if (c.end - c.p < 2 || c.p[0] != '\\' || c.p[1] != 'u') return false;
        c.p += 2;
        if (!read_hex4(c, &low) || low < 0xDC00 || low > 0xDFFF) return false;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      }
      if (out) utf8::append_code_point(out, char32_t(cp));
      return true;
    }
    default:
      return false;
  }
  if (out) out->push_back(plain);
  return true;
}

// After the opening quote: the rest of a string, decoded into `out` when it is not null.
bool read_string(Cursor& c, std::string* out) {
  for (;;) {
    const char* run = c.p;
    // Plain bytes: everything but the quote, the backslash and control characters.
    while (c.p < c.end && *c.p != '"' && *c.p != '\\' && static_cast<unsigned char>(*c.p) >= 0x20)
      ++c.p;
    if (out) out->append(run, size_t(c.p - run));
    if (c.p >= c.end) return false;
    const char stop = *c.p++;
    if (stop == '"') return true;
    if (stop != '\\') return false;  // a raw control character
    if (!read_escape(c, out)) return false;
  }
}

bool read_digits(Cursor& c) {
  const char* start = c.p;
  while (c.p < c.end && *c.p >= '0' && *c.p <= '9') ++c.p;
  return c.p > start;
}

bool read_number(Cursor& c) {
  c.eat('-');
  if (c.eat('0')) {
    // no further integer digits after a leading zero
  } else if (!read_digits(c)) {
    return false;
  }
  if (c.eat('.') && !read_digits(c)) return false;
  if (c.p < c.end && (*c.p == 'e' || *c.p == 'E')) {
    ++c.p;
    if (!c.eat('+')) c.eat('-');
    if (!read_digits(c)) return false;
  }
  return true;
}

bool read_literal(Cursor& c, const char* word) {
  const size_t n = std::strlen(word);
  if (size_t(c.end - c.p) < n || std::memcmp(c.p, word, n) != 0) return false;
  c.p += n;
  return true;
}

bool read_value(Cursor& c, int depth);

bool read_array(Cursor& c, int depth) {
  c.skip_space();
  if (c.eat(']')) return true;
  for (;;) {
    if (!read_value(c, depth + 1)) return false;
    c.skip_space();
    if (c.eat(']')) return true;
    if (!c.eat(',')) return false;
  }
}

bool read_object(Cursor& c, int depth) {
  c.skip_space();
  if (c.eat('}')) return true;
  for (;;) {
    c.skip_space();
    if (!c.eat('"') || !read_string(c, nullptr)) return false;
    c.skip_space();
    if (!c.eat(':') || !read_value(c, depth + 1)) return false;
    c.skip_space();
    if (c.eat('}')) return true;
    if (!c.eat(',')) return false;
  }
}

// Nesting is bounded so that a hostile line cannot exhaust the stack; deeper lines decline.
constexpr int kMaxDepth = 512;

bool read_value(Cursor& c, int depth) {
  if (depth > kMaxDepth) return false;
  c.skip_space();
  if (c.p >= c.end) return false;
  switch (*c.p) {
    case '"':
      ++c.p;
      return read_string(c, nullptr);
    case '{':
      ++c.p;
      return read_object(c, depth);
    case '[':
      ++c.p;
      return read_array(c, depth);
    case 't':
      return read_literal(c, "true");
    case 'f':
      return read_literal(c, "false");
    case 'n':
      return read_literal(c, "null");
    default:
      return read_number(c);
  }
}

}  // namespace

bool scan_json_string_field(std::string_view line, std::string_view field, std::string* out) {
  Cursor c{line.data(), line.data() + line.size()};
  c.skip_space();
  if (!c.eat('{')) return false;
  bool found = false;
  std::string key;
  c.skip_space();
  if (!c.eat('}')) {
    for (;;) {
      c.skip_space();
      key.clear();
      if (!c.eat('"') || !read_string(c, &key)) return false;
      c.skip_space();
      if (!c.eat(':')) return false;
      c.skip_space();
      if (key == field) {
        if (!c.eat('"')) return false;  // not a string: the slow path reports it
        out->clear();
        if (!read_string(c, out)) return false;
        found = true;
      } else if (!read_value(c, 1)) {
        return false;
      }
      c.skip_space();
      if (c.eat('}')) break;
      if (!c.eat(',')) return false;
    }
  }
  c.skip_space();
  return found && c.p == c.end;
}

}  // namespace glossa
