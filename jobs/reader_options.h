// The corpus reader options every job that reads corpora shares (docs/jobs.md, "Reader
// options"): format, field, column, column_index, no_header, max_doc_bytes, max_invalid_utf8.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/job_control.h"
#include "jobs/option_schema.h"
#include "tokenizer/corpus/corpus_reader.h"
#include "tokenizer/corpus/corpus_reader_options.h"

namespace glossa::jobs {

// Appends the reader options to a job's schema; `max_invalid_utf8` is the job's default share of
// invalid UTF-8 that fails the read (statistics give 1: they report it instead).
void add_reader_options(OptionSchema* schema,
                        double max_invalid_utf8 = CorpusReaderOptions{}.max_invalid_utf8_share);
// The reader options given, over the defaults (or over `base`).
CorpusReaderOptions reader_options(const JobOptions& options, CorpusReaderOptions base = {});
// True when any reader option was given.
bool has_reader_options(const JobOptions& options);

// Fails, naming the files, when they hold no document with a non-space character (empty files,
// blank lines only): no job makes anything useful of them, and SentencePiece crashes on them.
// Reads only up to the first such document.
void require_text(const std::vector<std::string>& files, const CorpusReaderOptions& options);

// require_text, then the files as one source: how every corpus job opens its input.
std::unique_ptr<MultiFileSource> open_text(const std::vector<std::string>& files,
                                           const CorpusReaderOptions& options);

// What reading repaired or skipped (invalid UTF-8 below the limit, malformed records) as
// `result["read"]`, with a warning naming the first place of each kind when there was any.
void report_reading(const CorpusReadStats& read, const JobControl& job, nlohmann::json* result);

}  // namespace glossa::jobs
