// Duplicate detection for corpus cleaning, streaming: each document is checked against the
// documents kept so far and, when it is new, kept.
//  - ExactDedup: byte-identical documents (a set of 128-bit or 64-bit content hashes).
//  - MinHashDedup: near-duplicates by MinHash signatures and LSH banding (Broder 1997; Leskovec,
//    Rajaraman, Ullman, "Mining of Massive Datasets", ch. 3). A document is a near-duplicate
//    when it shares a band with a kept document AND the Jaccard similarity estimated from the
//    two signatures reaches the threshold; the first document of a cluster is the one kept.
// Neither class is thread-safe: one stream feeds one instance.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string_view>
#include <vector>

namespace glossa {

// 64-bit hash of bytes (wyhash-style multiply-fold mixing): fast, well distributed, and the same
// on every platform for the same seed, so dedup results are reproducible.
uint64_t hash_bytes(std::string_view bytes, uint64_t seed);

enum class ShingleUnit { kCharacters, kWords };

struct MinHashConfig {
  ShingleUnit unit = ShingleUnit::kCharacters;  // shingles of code points or of words
  int shingle_size = 5;    // code points (or whitespace-separated words) per shingle
  int permutations = 128;  // signature length; must be a multiple of bands
  int bands = 16;          // LSH bands; rows per band = permutations / bands
  double threshold = 0.8;  // estimated Jaccard similarity at or above which = near-duplicate
  uint64_t seed = 0x676C6F737361ull;  // drives the permutations; same seed = same results

  // Throws Error naming the field when a value cannot work (e.g. bands not dividing
  // permutations).
  void validate() const;
  nlohmann::json to_json() const;
  // Missing fields keep their defaults; unknown fields and wrong types throw Error.
  static MinHashConfig from_json(const nlohmann::json& json,
                                 const std::string& where = "near-dedup config");
};

// Probability that a pair with Jaccard similarity `jaccard` becomes an LSH candidate:
// 1 - (1 - J^rows)^bands.
double lsh_candidate_probability(double jaccard, int bands, int rows);

class MinHashDedup {
 public:
  using Signature = std::vector<uint32_t>;  // (permutations) minimum per permutation

  explicit MinHashDedup(const MinHashConfig& config = {});

  // True when `text` is a near-duplicate of a kept document; then *matched_id (when not null)
  // receives that document's id (the most similar one when several match), *similarity (when
  // not null) the estimated Jaccard similarity to it, and nothing is kept. Otherwise the
  // document is kept under `doc_id` and false is returned.
  bool is_near_duplicate_and_add(std::string_view text, uint64_t doc_id,
                                 uint64_t* matched_id = nullptr, double* similarity = nullptr);

  // The MinHash signature of `text` (exposed for tests and tools).
  Signature signature(std::string_view text) const;
  // Share of equal positions of two signatures: an unbiased estimate of their Jaccard
  // similarity (standard deviation sqrt(J (1 - J) / permutations), 0.035 at J = 0.8).
  static double estimated_jaccard(const Signature& a, const Signature& b);

  size_t kept_documents() const { return ids_.size(); }
  // Bytes held now: signatures + ids + the band table (see docs/corpus-cleaning.md).
  size_t memory_bytes() const;
  const MinHashConfig& config() const { return config_; }

 private:
  void compute_signature(std::string_view text, uint32_t* out) const;
  uint64_t band_key(const uint32_t* signature, int band) const;
  void insert_band_key(uint64_t key, uint32_t doc_index);
  void grow_table();

  MinHashConfig config_;
  int rows_ = 0;
  std::vector<uint64_t> mul_, add_;  // (permutations) per-permutation a and b
  // (kept, permutations) row-major, low 16 bits of each minimum ("b-bit MinHash", Li & Konig
  // 2010): two different minima agree by chance with probability 2^-16, which raises the
  // estimate by at most (1 - J) / 65536 (3e-6 at J = 0.8) and halves the memory.
  std::vector<uint16_t> signatures_;
  std::vector<uint64_t> ids_;  // (kept) caller's doc_id
  // Open-addressing multimap (linear probing) from band key to kept-document index, one
  // table for all bands. Slot = (low 32 bits of key) << 32 | (index + 1); 0 = empty.
  std::vector<uint64_t> table_;
  size_t table_used_ = 0;
};

// Exact duplicates: remembers a hash of every document seen (128 bits by default, so a false
// "duplicate" needs a 2^-128-scale collision; 64 bits halves the memory).
class ExactDedup {
 public:
  explicit ExactDedup(int hash_bits = 128);

  // True when a document with the same bytes was added before; otherwise remembers it.
  bool is_duplicate_and_add(std::string_view text);

  size_t size() const { return used_; }
  size_t memory_bytes() const;  // 16 (or 8) bytes per slot, at most half the slots used

 private:
  void grow();

  int bits_;
  std::vector<uint64_t> slots_;  // (capacity, 2 or 1) hash words; all-zero = empty
  size_t used_ = 0;
};

}  // namespace glossa
