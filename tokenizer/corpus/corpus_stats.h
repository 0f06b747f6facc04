// Statistics of a whole corpus, accumulated document by document: sizes, script mix, exact
// duplicate documents and histograms of every per-document signal (document_signals.h). Each
// scanning thread fills its own CorpusStats and merge() joins them, so no locks on the hot path.
// to_json() is the stored (project database) and printed (`--json`) form; the layout is in
// docs/corpus-statistics.md.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/corpus/corpus_reader.h"
#include "tokenizer/corpus/document_signals.h"
#include "tokenizer/text/unicode_script.h"

namespace glossa {

// Fixed bins between lo and hi. "linear": equal widths; "log2": equal ratios (bin i covers
// [lo * r^i, lo * r^(i+1)), r = (hi / lo)^(1 / bins)). Values below lo count in the first bin,
// values at or above hi in the last.
struct Histogram {
  enum class Scale { kLinear, kLog2 };
  Scale scale = Scale::kLinear;
  double lo = 0, hi = 1;
  std::vector<uint64_t> counts;

  Histogram() = default;
  Histogram(Scale scale, double lo, double hi, size_t bins)
      : scale(scale), lo(lo), hi(hi), counts(bins, 0) {}
  size_t bin_of(double value) const;
  void add(double value) { ++counts[bin_of(value)]; }
  double lower_edge(size_t bin) const;
  uint64_t total() const;
  bool same_bins(const Histogram& other) const;
  bool operator==(const Histogram&) const = default;
};

// A set of 64-bit hashes with open addressing (about 11 to 22 bytes per element), for counting
// exact-duplicate documents of corpora with hundreds of millions of documents.
class HashSet64 {
 public:
  bool insert(uint64_t hash);  // false when it was already there
  // Starts loading the slot of `hash` into the cache: call it a little before insert(hash), as
  // the set outgrows the caches and each insert would otherwise wait for memory.
  void prefetch(uint64_t hash) const {
    if (!slots_.empty())
      __builtin_prefetch(&slots_[size_t(hash == 0 ? 1 : hash) & (slots_.size() - 1)]);
  }
  size_t size() const { return size_; }
  void merge(const HashSet64& other);
  bool operator==(const HashSet64& other) const;

 private:
  void grow();
  std::vector<uint64_t> slots_;  // 0 = empty; the hash 0 is stored as 1
  size_t size_ = 0;
};

struct CorpusStats {
  explicit CorpusStats(ScriptClass target = ScriptClass::kLatin);

  // Adds one document (signals computed by the caller, e.g. on a worker thread).
  void add(std::string_view text, const DocumentSignals& signals) {
    add_hashed(hash64(text), signals);
  }
  // Same, with the text's hash64 computed by the caller (who may prefetch it, see the scanner).
  void add_hashed(uint64_t text_hash, const DocumentSignals& signals);
  void add(std::string_view text) { add(text, compute_signals(text, target)); }
  // Adds another accumulator (same target): afterwards *this describes both corpora; a document
  // that occurs in both counts as a duplicate. Throws Error when either side was loaded from
  // JSON and both hold documents (the hashes needed for that are not stored).
  void merge(const CorpusStats& other);

  nlohmann::json to_json() const;
  // Throws Error naming the field when the JSON does not have the layout of to_json().
  static CorpusStats from_json(const nlohmann::json& json);

  uint64_t unique_documents() const { return hashes_known ? hashes.size() : loaded_unique; }
  uint64_t duplicate_documents() const { return documents - unique_documents(); }
  double duplicate_ratio() const;            // duplicate documents / documents
  double char_share(ScriptClass c) const;    // of all characters
  double letter_share(ScriptClass c) const;  // of letters (0 for digit/punctuation/whitespace)

  ScriptClass target;
  uint64_t documents = 0;
  uint64_t bytes = 0;    // UTF-8 bytes of the documents' text
  uint64_t chars = 0;    // code points
  uint64_t words = 0;    // whitespace-separated tokens
  uint64_t letters = 0;  // chars not digit, punctuation or whitespace
  std::array<uint64_t, kScriptClassCount> script_chars{};
  uint64_t documents_with_letters = 0;  // the documents target_script_share is defined for
  uint64_t documents_with_words = 0;    // the documents mean_word_length is defined for

  // Sums of the signals, for means (over documents_with_letters for the share, over
  // documents_with_words for mean word length, over all documents for the others).
  double sum_target_script_share = 0;
  double sum_duplicate_line_fraction = 0;
  double sum_top_ngram_repetition = 0;
  double sum_mean_word_length = 0;

  Histogram document_chars;           // log2, [1, 2^40), 40 bins: bin i = [2^i, 2^(i+1)) chars
  Histogram document_words;           // log2, [1, 2^32), 32 bins
  Histogram target_script_share;      // linear, [0, 1], 20 bins; documents with letters
  Histogram duplicate_line_fraction;  // linear, [0, 1], 20 bins
  Histogram top_ngram_repetition;     // linear, [0, 1], 20 bins
  Histogram mean_word_length;         // log2, [1, 256), 32 bins (4 per octave); with words

  // Reading problems (invalid UTF-8, skipped records, ...) when the documents came from
  // CorpusReader / MultiFileSource; absent for other sources.
  std::optional<CorpusReadStats> read;

  // Exact-duplicate detection: 64-bit hash64 of each document's text. Not stored in JSON.
  HashSet64 hashes;
  bool hashes_known = true;    // false after from_json
  uint64_t loaded_unique = 0;  // unique_documents read from JSON
};

// Adds `other`'s counters to `into` and appends its problem lists (keeping at most
// max(into's, other's, 10) entries each).
void merge_read_stats(CorpusReadStats& into, const CorpusReadStats& other);
nlohmann::json read_stats_to_json(const CorpusReadStats& read);
CorpusReadStats read_stats_from_json(const nlohmann::json& json);

}  // namespace glossa
