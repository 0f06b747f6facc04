#include "tokenizer/corpus/document_signals.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

#include "tokenizer/text/utf8.h"

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
// buffers have grown. Key, count and payload share a 16-byte slot: one cache line per lookup.
class CountTable {
 public:
  void reset(size_t expected) {
    size_t capacity = 8;
    while (capacity < 2 * expected) capacity <<= 1;  // load factor at most 1/2
    mask_ = capacity - 1;
    if (slots_.size() < capacity) slots_.resize(capacity);
    std::fill_n(slots_.begin(), capacity, Slot{});
    top_ = {0, 0};
    size_ = 0;
  }
  static uint64_t key_of(uint64_t hash) { return hash == 0 ? 1 : hash; }
  // Starts loading the slot of `hash` (call it some adds ahead: big documents' tables do not
  // fit in the caches).
  void prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[key_of(hash) & mask_]); }
  // Adds one occurrence of `hash`; returns its count after adding. `payload` is kept from the
  // first occurrence.
  uint32_t add(uint64_t hash, uint32_t payload) {
    const uint64_t key = key_of(hash);
    size_t i = size_t(key) & mask_;
    while (slots_[i].key != 0 && slots_[i].key != key) i = (i + 1) & mask_;
    Slot& slot = slots_[i];
    if (slot.key == 0) slot = {key, 0, payload}, ++size_;
    ++slot.count;
    top_ = std::max(top_, std::pair<uint32_t, uint32_t>{slot.count, slot.payload});
    return slot.count;
  }
  // Largest count, then the largest payload among the entries with that count (kept while
  // adding: counts only grow, so the running maximum is the final one).
  std::pair<uint32_t, uint32_t> top() const { return top_; }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t key = 0;
    uint32_t count = 0;
    uint32_t payload = 0;
  };
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;                          // distinct keys
  std::pair<uint32_t, uint32_t> top_{0, 0};  // (count, payload)
};

constexpr size_t kPrefetchDistance = 16;  // adds between a slot's prefetch and its use

struct Scratch {
  std::vector<Word> words;
  std::vector<uint64_t> prefix_chars;   // (words + 1) running sum of word lengths in chars
  std::vector<uint64_t> hashes;         // of the n-grams (or lines) being counted
  std::vector<std::string_view> lines;  // non-blank lines of the document, without '\r'
  CountTable table;
};

// Counts s.hashes[i] with payload(i) in s.table, prefetching ahead.
template <typename Payload>
void count_hashes(Scratch& s, Payload payload) {
  const size_t n = s.hashes.size();
  s.table.reset(n);
  for (size_t i = 0; i < std::min(n, kPrefetchDistance); ++i) s.table.prefetch(s.hashes[i]);
  for (size_t i = 0; i < n; ++i) {
    if (i + kPrefetchDistance < n) s.table.prefetch(s.hashes[i + kPrefetchDistance]);
    s.table.add(s.hashes[i], payload(i));
  }
}

// Most frequent n-gram's count x characters, as a share of the words' characters.
double top_ngram_share(Scratch& s, size_t n, uint64_t word_chars) {
  const size_t w = s.words.size();
  if (w < n || word_chars == 0) return 0;
  s.hashes.resize(w - n + 1);
  for (size_t i = 0; i + n <= w; ++i) {
    uint64_t h = s.words[i].hash;
    for (size_t k = 1; k < n; ++k) h = combine(h, s.words[i + k].hash);
    s.hashes[i] = h;
  }
  count_hashes(s, [&](size_t i) { return uint32_t(s.prefix_chars[i + n] - s.prefix_chars[i]); });
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

// The one pass over the bytes: classifies every character, collects the words (hash of their
// code points, length) and the non-blank lines' byte ranges into the scratch buffers.
void scan_characters(std::string_view text, Scratch& s, DocumentSignals& out) {
  const ScriptTable& table = ScriptTable::get();
  const char* p = text.data();
  const char* const end = p + text.size();
  uint64_t word_hash = 0;  // running hash of the current word's code points
  uint32_t word_len = 0;   // chars of the current word, 0 between words
  const char* line_start = p;
  bool line_blank = true;
  while (p < end) {
    const char* at = p;
    const char32_t cp = utf8::decode_next(p, end);
    const ScriptClass c = table.classify(cp);
    ++out.script_chars[size_t(c)];
    if (c != ScriptClass::kWhitespace) {
      word_hash = (word_hash ^ cp) * kMul1;
      ++word_len;
      line_blank = false;
      continue;
    }
    if (word_len > 0) {
      s.words.push_back({mix64(word_hash ^ word_len), word_len});
      word_hash = 0;
      word_len = 0;
    }
    if (cp == '\n') {
      if (!line_blank) s.lines.push_back(line_body(line_start, at));
      line_start = p;
      line_blank = true;
    }
  }
  if (word_len > 0) s.words.push_back({mix64(word_hash ^ word_len), word_len});
  if (!line_blank) s.lines.push_back(line_body(line_start, end));
}

// Lines are hashed only when there are at least two, so one-line documents (reviews, tweets)
// cost no second pass over their bytes.
double duplicate_line_share(Scratch& s) {
  const size_t lines = s.lines.size();
  if (lines < 2) return 0;
  s.hashes.resize(lines);
  for (size_t i = 0; i < lines; ++i) s.hashes[i] = hash64(s.lines[i]);
  // Lines repeated: every occurrence after the first, i.e. lines minus distinct lines.
  count_hashes(s, [](size_t) { return 0u; });
  return double(lines - s.table.size()) / double(lines);
}

}  // namespace

DocumentSignals compute_signals(std::string_view text, ScriptClass target) {
  thread_local Scratch scratch;
  Scratch& s = scratch;
  s.words.clear();
  s.lines.clear();
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
  // Every repeated trigram or 4-gram starts with a repeated bigram: no repeated bigram, no
  // need to look further (most documents).
  for (size_t n = 2; n <= 4; ++n) {
    const double share = top_ngram_share(s, n, word_chars);
    if (share == 0) break;
    out.top_ngram_repetition = std::max(out.top_ngram_repetition, share);
  }
  return out;
}

}  // namespace glossa
