#include "tokenizer/document_signals.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

#include "tokenizer/utf8.h"

namespace glossa {
namespace {

constexpr uint64_t kMul1 = 0x9E3779B97F4A7C15ULL;  // golden ratio
constexpr uint64_t kMul2 = 0xD6E8FEB86659FD93ULL;

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 32;
  x *= kMul2;
  x ^= x >> 32;
  x *= kMul2;
  x ^= x >> 32;
  return x;
}

// Hash of the sequence (a, b): order matters, so "x y" and "y x" differ.
inline uint64_t combine(uint64_t a, uint64_t b) { return mix64(std::rotl(a, 23) * kMul1 ^ b); }

struct Word {
  uint64_t hash;
  uint32_t chars;
};

// Open-addressing table of 64-bit keys (0 = empty slot) with a count and a payload, cleared per
// use in time proportional to its sized capacity, so a document costs no allocation once the
// buffers have grown.
class CountTable {
 public:
  void reset(size_t expected) {
    size_t capacity = 16;
    while (capacity < 2 * expected) capacity <<= 1;
    mask_ = capacity - 1;
    if (keys_.size() < capacity) {
      keys_.resize(capacity);
      counts_.resize(capacity);
      payload_.resize(capacity);
    }
    std::fill_n(keys_.begin(), capacity, 0);
  }
  // Adds one occurrence of `key`; returns its count after adding. `payload` is kept from the
  // first occurrence.
  uint32_t add(uint64_t key, uint32_t payload) {
    if (key == 0) key = 1;
    size_t i = size_t(key) & mask_;
    while (keys_[i] != 0 && keys_[i] != key) i = (i + 1) & mask_;
    if (keys_[i] == 0) {
      keys_[i] = key;
      counts_[i] = 0;
      payload_[i] = payload;
    }
    return ++counts_[i];
  }
  // Largest count, then the largest payload among the entries with that count.
  std::pair<uint32_t, uint32_t> top() const {
    std::pair<uint32_t, uint32_t> best{0, 0};
    for (size_t i = 0; i <= mask_; ++i) {
      if (keys_[i] == 0) continue;
      best = std::max(best, std::pair<uint32_t, uint32_t>{counts_[i], payload_[i]});
    }
    return best;
  }

 private:
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> counts_;
  std::vector<uint32_t> payload_;
  size_t mask_ = 0;
};

struct Scratch {
  std::vector<Word> words;
  std::vector<uint64_t> prefix_chars;  // (words + 1) running sum of word lengths in chars
  std::vector<uint64_t> line_hashes;   // one per non-blank line
  CountTable table;
};

// Most frequent n-gram's count x characters, as a share of the words' characters.
double top_ngram_share(Scratch& s, size_t n, uint64_t word_chars) {
  const size_t w = s.words.size();
  if (w < n || word_chars == 0) return 0;
  s.table.reset(w - n + 1);
  for (size_t i = 0; i + n <= w; ++i) {
    uint64_t h = s.words[i].hash;
    for (size_t k = 1; k < n; ++k) h = combine(h, s.words[i + k].hash);
    s.table.add(h, uint32_t(s.prefix_chars[i + n] - s.prefix_chars[i]));
  }
  const auto [count, chars] = s.table.top();
  if (count < 2) return 0;
  return std::min(1.0, double(count) * double(chars) / double(word_chars));
}

// Bytes of a line without its trailing '\r'.
inline std::string_view line_body(const char* begin, const char* end) {
  if (end > begin && end[-1] == '\r') --end;
  return {begin, size_t(end - begin)};
}

}  // namespace

uint64_t hash64(std::string_view bytes, uint64_t seed) {
  const char* p = bytes.data();
  size_t n = bytes.size();
  uint64_t h = seed ^ (uint64_t(n) * kMul1);
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = std::rotl(h ^ (v * kMul2), 29) * kMul1;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t v = 0;
    std::memcpy(&v, p, n);
    h = std::rotl(h ^ (v * kMul2), 29) * kMul1;
  }
  return mix64(h);
}

uint64_t letter_chars(const DocumentSignals& s) {
  uint64_t letters = 0;
  for (size_t c = 0; c < kScriptClassCount; ++c)
    if (is_letter_class(ScriptClass(c))) letters += s.script_chars[c];
  return letters;
}

namespace {

// The one pass over the bytes: classifies every character and collects the words (hash,
// length) and the non-blank lines' hashes into the scratch buffers.
void scan_characters(std::string_view text, Scratch& s, DocumentSignals& out) {
  const ScriptTable& table = ScriptTable::get();
  const char* p = text.data();
  const char* const end = p + text.size();
  const char* word_start = nullptr;  // first byte of the current word, null between words
  uint32_t word_len = 0;             // chars of the current word
  const char* line_start = p;
  bool line_blank = true;
  while (p < end) {
    const char* at = p;
    const unsigned char b = static_cast<unsigned char>(*p);
    const char32_t cp = b < 0x80 ? (++p, char32_t(b)) : utf8::decode_next(p, end);
    const ScriptClass c = table.classify(cp);
    ++out.script_chars[size_t(c)];
    if (c != ScriptClass::kWhitespace) {
      if (word_start == nullptr) word_start = at, word_len = 0;
      ++word_len;
      line_blank = false;
      continue;
    }
    if (word_start != nullptr) {
      s.words.push_back({hash64({word_start, size_t(at - word_start)}), word_len});
      word_start = nullptr;
    }
    if (b == '\n') {
      if (!line_blank) s.line_hashes.push_back(hash64(line_body(line_start, at)));
      line_start = p;
      line_blank = true;
    }
  }
  if (word_start != nullptr)
    s.words.push_back({hash64({word_start, size_t(end - word_start)}), word_len});
  if (!line_blank) s.line_hashes.push_back(hash64(line_body(line_start, end)));
}

double duplicate_line_share(Scratch& s) {
  const size_t lines = s.line_hashes.size();
  if (lines < 2) return 0;
  s.table.reset(lines);
  uint64_t duplicates = 0;
  for (uint64_t h : s.line_hashes)
    if (s.table.add(h, 0) > 1) ++duplicates;
  return double(duplicates) / double(lines);
}

}  // namespace

DocumentSignals compute_signals(std::string_view text, ScriptClass target) {
  thread_local Scratch scratch;
  Scratch& s = scratch;
  s.words.clear();
  s.line_hashes.clear();
  DocumentSignals out;
  out.bytes = text.size();
  scan_characters(text, s, out);

  for (uint64_t n : out.script_chars) out.chars += n;
  out.words = s.words.size();
  s.prefix_chars.resize(s.words.size() + 1);
  s.prefix_chars[0] = 0;
  for (size_t i = 0; i < s.words.size(); ++i)
    s.prefix_chars[i + 1] = s.prefix_chars[i] + s.words[i].chars;
  const uint64_t word_chars = s.prefix_chars.back();
  if (out.words > 0) out.mean_word_length = double(word_chars) / double(out.words);

  const uint64_t letters = letter_chars(out);
  if (letters > 0)
    out.target_script_share = double(out.script_chars[size_t(target)]) / double(letters);
  out.duplicate_line_fraction = duplicate_line_share(s);
  for (size_t n = 2; n <= 4; ++n)
    out.top_ngram_repetition =
        std::max(out.top_ngram_repetition, top_ngram_share(s, n, word_chars));
  return out;
}

}  // namespace glossa
