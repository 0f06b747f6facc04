#include "tokenizer/clean/minhash_dedup.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/seeded_rng.h"
#include "base/strict_json.h"
#include "tokenizer/text/utf8.h"

namespace glossa {
namespace {

// ---- hashing -------------------------------------------------------------------------------

constexpr uint64_t kSecret[4] = {0xa0761d6478bd642full, 0xe7037ed1a0b428dbull,
                                 0x8ebc6af09c88c6e3ull, 0x589965cc75374cc3ull};

inline void mum(uint64_t* a, uint64_t* b) {
  const __uint128_t r = __uint128_t(*a) * *b;
  *a = uint64_t(r);
  *b = uint64_t(r >> 64);
}
inline uint64_t mix(uint64_t a, uint64_t b) {
  mum(&a, &b);
  return a ^ b;
}
// Little-endian reads (x86-64 and AArch64, the platforms Glossa builds on).
inline uint64_t read8(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t read4(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// ---- shingles ------------------------------------------------------------------------------

bool is_unicode_space(char32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// Byte offsets of every code point boundary: (chars + 1) values.
std::vector<uint32_t> char_offsets(std::string_view text) {
  std::vector<uint32_t> offsets;
  offsets.reserve(text.size() + 1);
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    offsets.push_back(uint32_t(p - text.data()));
    utf8::decode_next(p, end);
  }
  offsets.push_back(uint32_t(text.size()));
  return offsets;
}

// Hashes of the words (maximal runs of non-space code points).
std::vector<uint64_t> word_hashes(std::string_view text, uint64_t seed) {
  std::vector<uint64_t> words;
  const char* p = text.data();
  const char* end = p + text.size();
  const char* word_start = nullptr;
  while (p < end) {
    const char* here = p;
    const bool space = is_unicode_space(utf8::decode_next(p, end));
    if (space && word_start) {
      words.push_back(hash_bytes(std::string_view(word_start, size_t(here - word_start)), seed));
      word_start = nullptr;
    } else if (!space && !word_start) {
      word_start = here;
    }
  }
  if (word_start)
    words.push_back(hash_bytes(std::string_view(word_start, size_t(end - word_start)), seed));
  return words;
}

// Calls fn(hash) for every shingle of `text` (a text shorter than one shingle is one shingle).
template <typename Fn>
void for_each_shingle(std::string_view text, const MinHashConfig& config, Fn&& fn) {
  const size_t k = size_t(config.shingle_size);
  if (config.unit == ShingleUnit::kCharacters) {
    if (text.size() > std::numeric_limits<uint32_t>::max())
      fail("MinHashDedup", "document of " + std::to_string(text.size()) +
                               " bytes exceeds 4 GiB; split documents first");
    const std::vector<uint32_t> offsets = char_offsets(text);
    const size_t chars = offsets.size() - 1;
    if (chars <= k) return fn(hash_bytes(text, config.seed));
    for (size_t i = 0; i + k <= chars; ++i)
      fn(hash_bytes(text.substr(offsets[i], offsets[i + k] - offsets[i]), config.seed));
    return;
  }
  const std::vector<uint64_t> words = word_hashes(text, config.seed);
  const auto window = [&](size_t begin, size_t count) {
    return hash_bytes(std::string_view(reinterpret_cast<const char*>(words.data() + begin),
                                       count * sizeof(uint64_t)),
                      config.seed);
  };
  if (words.size() <= k) return fn(window(0, words.size()));
  for (size_t i = 0; i + k <= words.size(); ++i) fn(window(i, k));
}

}  // namespace

uint64_t hash_bytes(std::string_view bytes, uint64_t seed) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t len = bytes.size();
  seed ^= mix(seed ^ kSecret[0], kSecret[1]);
  uint64_t a = 0, b = 0;
  if (len <= 16) {
    if (len >= 4) {
      a = (read4(p) << 32) | read4(p + ((len >> 3) << 2));
      b = (read4(p + len - 4) << 32) | read4(p + len - 4 - ((len >> 3) << 2));
    } else if (len > 0) {
      a = (uint64_t(p[0]) << 16) | (uint64_t(p[len >> 1]) << 8) | p[len - 1];
    }
  } else {
    size_t i = len;
    if (i > 48) {
      uint64_t see1 = seed, see2 = seed;
      do {
        seed = mix(read8(p) ^ kSecret[1], read8(p + 8) ^ seed);
        see1 = mix(read8(p + 16) ^ kSecret[2], read8(p + 24) ^ see1);
        see2 = mix(read8(p + 32) ^ kSecret[3], read8(p + 40) ^ see2);
        p += 48;
        i -= 48;
      } while (i > 48);
      seed ^= see1 ^ see2;
    }
    while (i > 16) {
      seed = mix(read8(p) ^ kSecret[1], read8(p + 8) ^ seed);
      i -= 16;
      p += 16;
    }
    a = read8(p + i - 16);
    b = read8(p + i - 8);
  }
  a ^= kSecret[1];
  b ^= seed;
  mum(&a, &b);
  return mix(a ^ kSecret[0] ^ len, b ^ kSecret[1]);
}

double lsh_candidate_probability(double jaccard, int bands, int rows) {
  return 1.0 - std::pow(1.0 - std::pow(jaccard, rows), bands);
}

// ---- MinHashConfig -------------------------------------------------------------------------

void MinHashConfig::validate() const {
  const auto bad = [](const char* field, const std::string& what) {
    fail(std::string("near-dedup config, field '") + field + "'", what);
  };
  if (shingle_size < 1 || shingle_size > 1000)
    bad("shingle_size", "must be in [1, 1000], got " + std::to_string(shingle_size));
  if (permutations < 1 || permutations > 4096)
    bad("permutations", "must be in [1, 4096], got " + std::to_string(permutations));
  if (bands < 1 || permutations % bands != 0)
    bad("bands", "must divide permutations (" + std::to_string(permutations) + "), got " +
                     std::to_string(bands) + "; e.g. 16 bands of 8 rows for 128 permutations");
  if (!(threshold > 0.0 && threshold <= 1.0))
    bad("threshold", "must be in (0, 1], got " + std::to_string(threshold));
}

nlohmann::json MinHashConfig::to_json() const {
  return {{"unit", unit == ShingleUnit::kCharacters ? "characters" : "words"},
          {"shingle_size", shingle_size},
          {"permutations", permutations},
          {"bands", bands},
          {"threshold", threshold},
          {"seed", seed}};
}

MinHashConfig MinHashConfig::from_json(const nlohmann::json& json, const std::string& where) {
  StrictJson r(json, where, "docs/corpus-cleaning.md");
  MinHashConfig config;
  std::string unit = config.unit == ShingleUnit::kWords ? "words" : "characters";
  r.get("unit", unit);
  if (unit != "characters" && unit != "words")
    r.fail_key("unit", "is \"" + unit + "\"; expected \"characters\" or \"words\"");
  config.unit = unit == "words" ? ShingleUnit::kWords : ShingleUnit::kCharacters;
  r.get("shingle_size", config.shingle_size);
  r.get("permutations", config.permutations);
  r.get("bands", config.bands);
  r.get("threshold", config.threshold);
  r.get("seed", config.seed);
  r.finish();
  config.validate();
  return config;
}

// ---- MinHashDedup --------------------------------------------------------------------------

MinHashDedup::MinHashDedup(const MinHashConfig& config) : config_(config) {
  config_.validate();
  rows_ = config_.permutations / config_.bands;
  // Permutation i maps a 32-bit shingle hash x to the top 32 bits of (a_i * x + b_i) mod 2^64
  // with random 64-bit a_i, b_i: Dietzfelbinger's multiply-add-shift family, strongly universal
  // for 32-bit keys, and a multiply and an add per value (the loop the run time is spent in).
  for (int i = 0; i < config_.permutations; ++i) {
    const uint64_t base = config_.seed * 0x2545F4914F6CDD1Dull + 2 * uint64_t(i);
    mul_.push_back(splitmix64(base));
    add_.push_back(splitmix64(base + 1));
  }
  table_.assign(1024, 0);
}

void MinHashDedup::compute_signature(std::string_view text, uint32_t* out) const {
  // Distinct 32-bit shingle hashes (repeats cannot change a minimum). Two different shingles of
  // a document share a hash with probability ~ shingles^2 / 2^33: negligible.
  std::vector<uint32_t> shingles;
  shingles.reserve(text.size());
  for_each_shingle(text, config_, [&](uint64_t h) { shingles.push_back(uint32_t(h >> 32)); });
  std::sort(shingles.begin(), shingles.end());
  shingles.erase(std::unique(shingles.begin(), shingles.end()), shingles.end());
  const size_t n = size_t(config_.permutations);
  std::fill(out, out + n, std::numeric_limits<uint32_t>::max());
  const uint64_t* a = mul_.data();
  const uint64_t* b = add_.data();
  for (uint32_t x : shingles)  // shingle-outer: the inner loop over permutations vectorises
    for (size_t i = 0; i < n; ++i) out[i] = std::min(out[i], uint32_t((a[i] * x + b[i]) >> 32));
}

MinHashDedup::Signature MinHashDedup::signature(std::string_view text) const {
  Signature signature(size_t(config_.permutations));
  compute_signature(text, signature.data());
  return signature;
}

double MinHashDedup::estimated_jaccard(const Signature& a, const Signature& b) {
  if (a.size() != b.size() || a.empty())
    fail("MinHashDedup::estimated_jaccard", "signatures of different lengths");
  size_t equal = 0;
  for (size_t i = 0; i < a.size(); ++i) equal += a[i] == b[i];
  return double(equal) / double(a.size());
}

uint64_t MinHashDedup::band_key(const uint32_t* signature, int band) const {
  const auto* bytes = reinterpret_cast<const char*>(signature + size_t(band) * size_t(rows_));
  return hash_bytes(std::string_view(bytes, size_t(rows_) * sizeof(uint32_t)),
                    config_.seed ^ splitmix64(uint64_t(band)));
}

namespace {
// Table slot of a 32-bit key fragment (recomputable when the table grows).
inline size_t home_slot(uint32_t key32, size_t mask) { return splitmix64(key32) & mask; }
}  // namespace

void MinHashDedup::insert_band_key(uint64_t key, uint32_t doc_index) {
  if ((table_used_ + 1) * 2 > table_.size()) grow_table();
  const size_t mask = table_.size() - 1;
  const uint32_t key32 = uint32_t(key);
  size_t slot = home_slot(key32, mask);
  while (table_[slot] != 0) slot = (slot + 1) & mask;
  table_[slot] = (uint64_t(key32) << 32) | (uint64_t(doc_index) + 1);
  ++table_used_;
}

void MinHashDedup::grow_table() {
  std::vector<uint64_t> old;
  old.swap(table_);
  table_.assign(old.size() * 2, 0);
  const size_t mask = table_.size() - 1;
  for (uint64_t entry : old) {
    if (entry == 0) continue;
    size_t slot = home_slot(uint32_t(entry >> 32), mask);
    while (table_[slot] != 0) slot = (slot + 1) & mask;
    table_[slot] = entry;
  }
}

bool MinHashDedup::is_near_duplicate_and_add(std::string_view text, uint64_t doc_id,
                                             uint64_t* matched_id, double* similarity) {
  const size_t n = size_t(config_.permutations);
  Signature sig(n);
  compute_signature(text, sig.data());
  std::vector<uint64_t> keys(size_t(config_.bands));
  for (int band = 0; band < config_.bands; ++band) keys[size_t(band)] = band_key(sig.data(), band);

  // Candidates: kept documents sharing at least one band key fragment.
  std::vector<uint32_t> candidates;
  const size_t mask = table_.size() - 1;
  for (uint64_t key : keys) {
    const uint32_t key32 = uint32_t(key);
    for (size_t slot = home_slot(key32, mask); table_[slot] != 0; slot = (slot + 1) & mask)
      if (uint32_t(table_[slot] >> 32) == key32)
        candidates.push_back(uint32_t(table_[slot] & 0xFFFFFFFFu) - 1);
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());

  // Confirm by the signatures; the most similar wins, the earliest kept on ties.
  size_t best_equal = 0;
  int64_t best = -1;
  for (uint32_t index : candidates) {
    const uint16_t* kept = signatures_.data() + size_t(index) * n;
    size_t equal = 0;
    for (size_t i = 0; i < n; ++i) equal += kept[i] == uint16_t(sig[i]);
    if (double(equal) >= config_.threshold * double(n) - 1e-9 && equal > best_equal) {
      best_equal = equal;
      best = index;
    }
  }
  if (best >= 0) {
    if (matched_id) *matched_id = ids_[size_t(best)];
    if (similarity) *similarity = double(best_equal) / double(n);
    return true;
  }

  if (ids_.size() >= std::numeric_limits<uint32_t>::max() - 1)
    fail("MinHashDedup", "more than 4 billion kept documents; shard the corpus first");
  const auto index = uint32_t(ids_.size());
  ids_.push_back(doc_id);
  for (uint32_t value : sig) signatures_.push_back(uint16_t(value));
  for (uint64_t key : keys) insert_band_key(key, index);
  return false;
}

size_t MinHashDedup::memory_bytes() const {
  return signatures_.capacity() * sizeof(uint16_t) + ids_.capacity() * sizeof(uint64_t) +
         table_.capacity() * sizeof(uint64_t) + (mul_.capacity() + add_.capacity()) * 8;
}

// ---- ExactDedup ----------------------------------------------------------------------------

ExactDedup::ExactDedup(int hash_bits) : bits_(hash_bits) {
  if (hash_bits != 64 && hash_bits != 128)
    fail("ExactDedup", "hash_bits must be 64 or 128, got " + std::to_string(hash_bits));
  slots_.assign(size_t(1024) * size_t(bits_ / 64), 0);
}

bool ExactDedup::is_duplicate_and_add(std::string_view text) {
  const size_t words = size_t(bits_ / 64);
  if ((used_ + 1) * 2 > slots_.size() / words) grow();
  uint64_t key[2] = {hash_bytes(text, 0x5EED0001ull), 0};
  if (words == 2) key[1] = hash_bytes(text, 0x5EED0002ull);
  if (key[0] == 0 && key[1] == 0) key[0] = 1;  // all-zero marks an empty slot
  const size_t mask = slots_.size() / words - 1;
  for (size_t slot = splitmix64(key[0]) & mask;; slot = (slot + 1) & mask) {
    uint64_t* entry = slots_.data() + slot * words;
    const bool empty = entry[0] == 0 && (words == 1 || entry[1] == 0);
    if (empty) {
      std::copy(key, key + words, entry);
      ++used_;
      return false;
    }
    if (entry[0] == key[0] && (words == 1 || entry[1] == key[1])) return true;
  }
}

void ExactDedup::grow() {
  const size_t words = size_t(bits_ / 64);
  std::vector<uint64_t> old;
  old.swap(slots_);
  slots_.assign(old.size() * 2, 0);
  const size_t mask = slots_.size() / words - 1;
  for (size_t i = 0; i < old.size(); i += words) {
    if (old[i] == 0 && (words == 1 || old[i + 1] == 0)) continue;
    size_t slot = splitmix64(old[i]) & mask;
    while (slots_[slot * words] != 0 || (words == 2 && slots_[slot * words + 1] != 0))
      slot = (slot + 1) & mask;
    std::copy(old.begin() + long(i), old.begin() + long(i + words),
              slots_.begin() + long(slot * words));
  }
}

size_t ExactDedup::memory_bytes() const { return slots_.capacity() * sizeof(uint64_t); }

}  // namespace glossa
