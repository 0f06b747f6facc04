// Corpus scan: documents read in batches (document_batch_pool.h) and their signals computed on worker
// threads, each filling its own CorpusStats, merged at the end. The reader hands out batches of
// documents (about 1 MiB each) through a bounded queue, so memory stays small whatever the
// corpus size, and reading overlaps with the per-character work.
#pragma once

#include "tokenizer/corpus/corpus_stats.h"
#include "tokenizer/corpus/document_source.h"
#include "base/job_control.h"
#include "tokenizer/text/unicode_script.h"

namespace glossa {

// Scans every document of `source`. threads <= 0 means one worker per hardware thread. Reports
// progress (fraction of the input, documents and MB read) and stops with CancelledError when
// the job is cancelled; rethrows the first error of a worker or of the source. When `source`
// is a CorpusReader or MultiFileSource, the result's `read` holds its CorpusReadStats
// (invalid UTF-8, skipped records, ...).
CorpusStats scan_corpus(DocumentSource& source, ScriptClass target, int threads,
                        const JobControl& job);

}  // namespace glossa
