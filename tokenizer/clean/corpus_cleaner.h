// The cleaning job: every document is normalised, measured (document_signals.h), passed through
// the enabled quality filters in a fixed order, then through exact and near deduplication;
// survivors are written as JSONL. A report counts what each step removed, with examples.
// Options, filter order and file formats: docs/corpus-cleaning.md.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/corpus/document_source.h"
#include "base/job_control.h"
#include "tokenizer/clean/minhash_dedup.h"
#include "tokenizer/text/text_normalizer.h"
#include "tokenizer/text/unicode_script.h"

namespace glossa {

// The one configuration of a cleaning run (the CLI, the GUI form and the report read and write
// it as JSON). A filter whose threshold is unset (null in JSON) is off.
struct CleanOptions {
  NormalizationForm normalization = NormalizationForm::kNfkc;  // applied before all else
  bool collapse_spaces = false;  // runs of spaces/tabs -> one space (after normalisation)
  bool trim_lines = false;       // spaces/tabs at line starts and ends removed
  // Writing system the corpus should be in (hangul, han, kana, latin, cyrillic, arabic);
  // required when min_target_script_share is set, unused otherwise.
  std::optional<ScriptClass> target_script;

  std::optional<uint64_t> min_chars;                  // fewer characters (code points) -> removed
  std::optional<uint64_t> max_chars;                  // more characters -> removed
  std::optional<double> min_target_script_share;      // in [0, 1]: letters in target_script
  std::optional<double> max_duplicate_line_fraction;  // in [0, 1]: non-blank lines repeated
  std::optional<double> max_top_ngram_repetition;     // in [0, 1]: Gopher top word n-gram share
  std::optional<double> min_mean_word_length;         // characters per whitespace-separated word
  std::optional<double> max_mean_word_length;         // characters per whitespace-separated word

  bool exact_dedup = true;    // drop documents byte-identical (after normalisation) to a kept one
  int exact_hash_bits = 128;  // 128 or 64 (64 halves the memory, collisions ~n^2 / 2^65)
  bool near_dedup = true;     // drop near-duplicates of a kept document (MinHash + LSH)
  MinHashConfig near;         // shingles, permutations, bands, Jaccard threshold, seed
  size_t examples_per_filter = 5;  // removed documents kept as examples per filter

  // Throws Error naming the field when the options cannot work together.
  void validate() const;
  nlohmann::json to_json() const;
  // Strict (docs/corpus-cleaning.md): missing fields keep their defaults, null switches a filter
  // off, unknown fields and wrong types throw Error naming `where` and the field.
  static CleanOptions from_json(const nlohmann::json& json,
                                const std::string& where = "clean options");
};

// A removed document shown in the report.
struct RemovedExample {
  std::string source;         // file it came from
  uint64_t line = 0;          // 1-based line in that file
  std::string text;           // first 300 characters (after normalisation)
  double value = 0;           // the signal that failed; for near duplicates the estimated Jaccard
  uint64_t duplicate_of = 0;  // near duplicates: output record (1-based JSONL line) it repeats
};

struct FilterCount {
  std::string name;                 // e.g. "min_chars", "exact_duplicate" (order of application)
  std::optional<double> threshold;  // the limit compared with (none for exact duplicates)
  uint64_t documents = 0;           // documents removed by this step
  uint64_t bytes = 0;               // their UTF-8 bytes as read (before normalisation)
  std::vector<RemovedExample> examples;  // at most examples_per_filter
};

struct CleanReport {
  CleanOptions options;
  std::string output;  // the JSONL written
  uint64_t documents_in = 0;
  uint64_t bytes_in = 0;  // UTF-8 bytes as read
  uint64_t documents_kept = 0;
  uint64_t bytes_kept = 0;               // bytes as read of the kept documents
  uint64_t bytes_written = 0;            // bytes of the kept texts after normalisation
  uint64_t documents_normalized = 0;     // documents the normalisation changed
  std::vector<FilterCount> filters;      // every enabled step, in order; in = kept + sum(removed)
  uint64_t near_dedup_memory_bytes = 0;  // MinHash state at the end
  double seconds = 0;                    // wall-clock time of the run

  nlohmann::json to_json() const;
};

// Where clean_corpus writes the report for `out_jsonl`: "x.jsonl" -> "x.report.json" (any other
// name gets ".report.json" appended).
std::string clean_report_path(const std::string& out_jsonl);

// Runs the cleaning. The JSONL is written under a temporary name and renamed into place at the
// end; the report is then written beside it (clean_report_path). Cancellation (CancelledError)
// or any error leaves neither. One JSON object per kept document, in input order:
// {"text": ..., "source": file, "line": n}.
CleanReport clean_corpus(DocumentSource& in, const std::string& out_jsonl,
                         const CleanOptions& options, const JobControl& job);

}  // namespace glossa
