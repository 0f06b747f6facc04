// The Vocabulary page's live preview (docs/vocabulary-expansion.md, "Preview"): what the
// would-be merged tokenizer (base + the included pieces, with the characters they need, as the
// expansion builds it) does to a sample of the corpus, against the base: tokens, tokens per word
// (fertility) and the sequence-length ratio; and a token inspector for any text. Incremental:
// the sample is kept as its distinct whitespace-separated words with their counts, and a change
// of the included set re-encodes only the words that contain the text of a piece that came or
// went (adding or removing a piece cannot change the encoding of a word without its text).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tokenizer/spm/model_merge.h"
#include "tokenizer/spm/sp_model.h"

namespace glossa {

class SpProcessor;

struct PreviewStats {
  uint64_t words = 0;   // whitespace-separated words in the sample
  uint64_t tokens = 0;  // tokens of the sample
  double fertility() const { return words ? double(tokens) / double(words) : 0; }
};

struct TokenSpan {
  int id = 0;
  std::string piece;
  size_t begin = 0, end = 0;  // byte range in the inspected text (the piece's own bytes)
};

class VocabPreview {
 public:
  // `sample`: documents (e.g. the first MB of the session's corpus).
  VocabPreview(SpModel base, const std::vector<std::string>& sample, ScorePolicy policy);
  ~VocabPreview();

  const PreviewStats& base() const { return base_stats_; }
  // Makes base + `included` (in order; their missing characters after them) the merged
  // tokenizer and returns its statistics on the sample.
  const PreviewStats& update(const std::vector<std::string>& included);
  const PreviewStats& merged() const { return merged_stats_; }
  double length_ratio() const;  // merged tokens / base tokens

  size_t distinct_words() const { return words_.size(); }
  size_t last_reencoded() const { return last_reencoded_; }  // words the last update encoded
  int merged_size() const;

  std::vector<TokenSpan> inspect_base(const std::string& text) const;
  std::vector<TokenSpan> inspect_merged(const std::string& text) const;

 private:
  struct Word {
    std::string text;
    uint64_t count = 0;
    uint32_t base_tokens = 0, merged_tokens = 0;
  };
  void rebuild(const std::vector<std::string>& included);
  bool touches(const Word& w, const std::vector<std::string>& changed) const;

  SpModel base_model_;
  ScorePolicy policy_;
  std::shared_ptr<const SpProcessor> base_, merged_;
  SpModel merged_model_;
  std::vector<Word> words_;
  std::unordered_set<std::string> included_;
  std::unordered_set<std::string> chars_;   // characters appended after the included pieces
  std::vector<std::string> changed_chars_;  // of the last rebuild
  PreviewStats base_stats_, merged_stats_;
  size_t last_reencoded_ = 0;
};

}  // namespace glossa
