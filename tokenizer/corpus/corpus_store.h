// The corpus-statistics part of the project database: which corpus files were scanned with which
// reader options, the file's fingerprint at the time, and the statistics per target script, so
// an unchanged corpus is never scanned twice. Tables (created if missing):
//   corpora(id, path, format_options_json, fingerprint, scanned_at)
//   corpus_stats(corpus_id, target_script, stats_json)
// described in docs/corpus-statistics.md.
#pragma once

#include <optional>
#include <string>

#include "tokenizer/corpus/corpus_reader.h"
#include "tokenizer/corpus/corpus_stats.h"
#include "base/job_control.h"
#include "base/sqlite_db.h"

namespace glossa {

// The reader options as canonical JSON (sorted keys, format resolved from the file name when
// kAuto), the key under which statistics are cached: different options read different documents.
std::string reader_options_key(const std::string& path, const CorpusReaderOptions& options);

// Absolute path with symbolic links resolved, so one file has one row whatever the spelling.
std::string canonical_corpus_path(const std::string& path);

class CorpusStore {
 public:
  explicit CorpusStore(SqliteDb& db);  // creates the tables when missing

  // Stored statistics of (path, options) for `target`, when they were computed from a file with
  // this fingerprint; nullopt otherwise. `path` as given (canonicalize it first).
  std::optional<CorpusStats> lookup(const std::string& path, const std::string& options_key,
                                    const std::string& fingerprint, ScriptClass target);
  // Stores `stats` (for stats.target); a changed fingerprint drops the statistics stored for
  // the old file content (every target). Returns the corpora row id.
  int64_t store(const std::string& path, const std::string& options_key,
                const std::string& fingerprint, const CorpusStats& stats);

 private:
  SqliteDb& db_;
};

struct CachedScan {
  CorpusStats stats;
  bool from_cache = false;  // true: the file was not read
  std::string fingerprint;  // file_fingerprint() of the file when it was scanned
};

// Statistics of one corpus file: from the database when the file's fingerprint and the options
// are unchanged, else scanned (scan_corpus with a CorpusReader) and stored. The fingerprint is
// taken before reading, so a file changed during the scan is rescanned next time.
CachedScan scan_file_cached(SqliteDb& db, const std::string& path,
                            const CorpusReaderOptions& options, ScriptClass target, int threads,
                            const JobControl& job);

}  // namespace glossa
