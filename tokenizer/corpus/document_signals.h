// Per-document quality signals, computed in one pass over the UTF-8 text: size, script mix,
// repeated lines and repeated word n-grams (the Gopher / RefinedWeb repetition heuristics), mean
// word length. Corpus statistics histogram them; the cleaner filters on them. The exact
// definitions are in docs/corpus-statistics.md.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "tokenizer/text/unicode_script.h"

namespace glossa {

struct DocumentSignals {
  uint64_t bytes = 0, chars = 0, words = 0;  // words = whitespace-separated tokens
  // Share of letters (non-digit, non-punct, non-space chars) in the target script; 0 if no
  // letters.
  double target_script_share = 0;
  // Share of non-blank lines that repeat an earlier line of the same document (Gopher /
  // RefinedWeb style, by line count). Lines end at '\n'; a trailing '\r' is not part of a line;
  // blank = whitespace only.
  double duplicate_line_fraction = 0;
  // Gopher: share of the words' characters covered by the most frequent word n-gram, the
  // maximum over n in {2, 3, 4}; an n-gram counts only when it occurs at least twice; at most 1.
  double top_ngram_repetition = 0;
  double mean_word_length = 0;  // characters per word; 0 if no words
  std::array<uint64_t, size_t(ScriptClass::kCount)> script_chars{};  // chars per class
};

// Invalid UTF-8 is tolerated: each maximal invalid subpart counts as one U+FFFD (punctuation),
// as it would after the readers' repair. Thread-safe (scratch buffers are per thread).
DocumentSignals compute_signals(std::string_view utf8_text, ScriptClass target);

// Letters of a signal record: the chars that are not digits, punctuation or whitespace.
uint64_t letter_chars(const DocumentSignals& s);

// A fast 64-bit hash of bytes (8 bytes per step, multiply-rotate mixing, full avalanche at the
// end). Used for exact-duplicate lines, n-grams and documents; not cryptographic, and not stable
// across Glossa versions: never store it.
uint64_t hash64(std::string_view bytes, uint64_t seed = 0);

}  // namespace glossa
