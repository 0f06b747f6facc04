// The corpus reader options every job that reads corpora shares (docs/jobs.md, "Reader
// options"): format, field, column, column_index, no_header, max_doc_bytes.
#pragma once

#include "jobs/option_schema.h"
#include "tokenizer/corpus/corpus_reader_options.h"

namespace glossa::jobs {

// Appends the reader options to a job's schema.
void add_reader_options(OptionSchema* schema);
// The reader options given, over the defaults (or over `base`).
CorpusReaderOptions reader_options(const JobOptions& options, CorpusReaderOptions base = {});
// True when any reader option was given.
bool has_reader_options(const JobOptions& options);

}  // namespace glossa::jobs
