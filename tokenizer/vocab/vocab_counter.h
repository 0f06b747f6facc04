// Exact token counting over a corpus: how often each piece id occurs when every document is
// encoded with SentencePiece (no BOS/EOS), optionally with the counts of the characters of one
// script (EEVE's single-character rule). This is the hot path of vocabulary expansion.
//
// Speed comes from memoisation that stays exact: with split_by_whitespace no piece spans the
// boundary between a non-"▁" character and a following "▁", so a document is cut before each
// ASCII space that follows a non-space byte and its ids are the concatenation of the ids of the
// segments (the reasoning, case by case, is in vocab_counter.cpp and
// docs/vocabulary-expansion.md). Each worker thread keeps a bounded table raw segment -> ids and
// a pending count per segment; models where the argument does not hold fall back to encoding
// whole documents (memo_plan says which and why).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/corpus/document_source.h"
#include "base/job_control.h"
#include "tokenizer/spm/sp_model.h"
#include "tokenizer/spm/sp_processor.h"

#include "tokenizer/text/unicode_script.h"

namespace glossa {

struct CountOptions {
  int threads = 1;                     // threads that read and encode (1 = the calling thread)
  std::vector<CodeRange> char_ranges;  // count these code points too; empty = no char counts
  bool memoize = true;                 // false = encode whole documents (the reference path)
  size_t memo_max_entries = size_t(1) << 20;  // per thread; past it, rarely hit entries go
  size_t memo_max_key_bytes = 256;            // longer segments are encoded directly, never stored
  size_t batch_bytes = size_t(1) << 20;       // text a thread takes from the source at once (bytes)
};

// Whether segment memoisation is exact for a model, and if not, why.
struct MemoPlan {
  bool exact = false;
  std::string reason;  // why not (empty when exact)
};
MemoPlan memo_plan(const SpModel& model);

struct CountResult {
  std::vector<uint64_t> token_counts;  // [vocab size] occurrences of each piece id
  std::vector<std::pair<char32_t, uint64_t>> char_counts;  // code point -> count, ascending, > 0
  uint64_t documents = 0;
  uint64_t text_bytes = 0;  // UTF-8 bytes of the documents
  uint64_t tokens = 0;      // sum of token_counts
  bool memoized = false;    // false: whole documents were encoded
  std::string memo_reason;  // why memoisation was not used (empty when it was)
  uint64_t segments = 0;    // segments looked up in the memo
  uint64_t memo_hits = 0;   // of those, found already encoded
  // What encoded the memo misses: "bpe_encoder" (tokenizer/spm/bpe_encoder.h) or "sentencepiece"
  // (with BpeEncoder's reason in parentheses when it refused the model).
  std::string encoder;
  double seconds = 0.0;  // wall-clock time of the count
};

// Counts ids (and characters) of every document of `source`. Throws CancelledError when `job`
// is cancelled, Error when encoding fails.
CountResult count_corpus(const SpProcessor& processor, DocumentSource& source,
                         const CountOptions& options, const JobControl& job);

// count_corpus(...).token_counts.
std::vector<uint64_t> count_tokens(const SpProcessor& processor, DocumentSource& source,
                                   const CountOptions& options, const JobControl& job);

}  // namespace glossa
