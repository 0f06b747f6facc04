// Side-by-side statistics of one or more tokenizers on the same text sample (docs/tokenizer-analysis.md,
// "tokenizer quality"): fertility, continued words, bytes and characters per token, byte-fallback
// and unknown shares, and each tokenizer's sequence length relative to the first.
// Definitions (docs/tokenizer-analysis.md):
// - whitespace word: a maximal run of characters that are not whitespace, whitespace being what
//   Python's str.split() splits on (U+0009-000D, U+001C-001F, U+0020, U+0085, U+00A0, U+1680,
//   U+2000-200A, U+2028, U+2029, U+202F, U+205F, U+3000);
// - tokens: ids of SpProcessor::encode(document text), no BOS/EOS;
// - continued word: a whitespace word w for which encode(w) alone (as SentencePiece sees a
//   one-word text: with the model's dummy prefix "▁" when it adds one) gives >= 2 tokens;
// - characters: Unicode code points; bytes: UTF-8 bytes of the documents as read.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenizer/corpus/document_source.h"
#include "base/job_control.h"
#include "tokenizer/spm/sp_processor.h"

namespace glossa {

struct TokenizerStats {
  std::string name;  // column label (given, or the shortest distinct end of the model's path)
  std::string path;  // the model file
  int vocab_size = 0;
  uint64_t documents = 0;
  uint64_t words = 0;  // whitespace words
  uint64_t tokens = 0;
  uint64_t bytes = 0;             // UTF-8 bytes
  uint64_t characters = 0;        // code points
  uint64_t continued_words = 0;   // words encoded alone into >= 2 tokens
  uint64_t byte_tokens = 0;       // tokens of type BYTE (byte fallback)
  uint64_t unknown_tokens = 0;    // tokens of type UNKNOWN
  uint64_t reference_tokens = 0;  // tokens of the first tokenizer on the same text

  double fertility() const;        // tokens per whitespace word
  double continued_share() const;  // continued words / words
  double bytes_per_token() const;
  double chars_per_token() const;
  double byte_fallback_share() const;  // byte tokens / tokens
  double unknown_share() const;        // unknown tokens / tokens
  double length_ratio() const;         // tokens / reference_tokens (1 for the first)
  nlohmann::json to_json() const;
  static TokenizerStats from_json(const nlohmann::json& json);  // the counts; the rest derived
};

struct AnalysisOptions {
  uint64_t max_documents = 0;  // stop after this many documents; 0 = the whole source
  int threads = 0;             // worker threads; 0 = all cores
};

struct TokenizerAnalysis {
  std::vector<TokenizerStats> tokenizers;  // in the order given; the first is the reference
  nlohmann::json to_json() const;
  static TokenizerAnalysis from_json(const nlohmann::json& json);
  // A text table for the CLI: one row per measure, one column per tokenizer.
  std::string table() const;
};

// Column labels for model paths: the file names, with as many parent folders as it takes to tell
// them apart ("llama2/tokenizer.model", "extended/tokenizer.model").
std::vector<std::string> short_distinct_names(const std::vector<std::string>& paths);

// Reads up to options.max_documents documents once and measures every tokenizer on them.
// `names` labels the columns (empty: short_distinct_names of the origins). Throws Error when no tokenizer is
// given, CancelledError when cancelled.
TokenizerAnalysis analyze_tokenizers(
    const std::vector<std::shared_ptr<const SpProcessor>>& tokenizers, DocumentSource& source,
    const AnalysisOptions& options, const JobControl& job, std::vector<std::string> names = {});

// The whitespace words of `text` (views into it), by the definition above.
std::vector<std::string_view> whitespace_words(std::string_view text);

}  // namespace glossa
