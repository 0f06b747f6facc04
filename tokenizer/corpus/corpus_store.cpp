#include "tokenizer/corpus/corpus_store.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tokenizer/corpus/corpus_scanner.h"
#include "base/error.h"
#include "base/file_util.h"

namespace glossa {

std::string reader_options_key(const std::string& path, const CorpusReaderOptions& o) {
  const CorpusFormat format =
      o.format == CorpusFormat::kAuto ? detect_corpus_format(path) : o.format;
  // nlohmann::json objects keep their keys sorted, so dump() is canonical.
  nlohmann::json key = o.to_json();
  key["format"] = corpus_format_name(format);
  key["max_reported"] = o.max_reported;
  return key.dump();
}

std::string canonical_corpus_path(const std::string& path) {
  std::error_code ec;
  const auto canonical = std::filesystem::weakly_canonical(path, ec);
  if (ec) fail(path, "cannot resolve the path: " + ec.message());
  return canonical.string();
}

CorpusStore::CorpusStore(SqliteDb& db) : db_(db) {
  db_.exec(
      "CREATE TABLE IF NOT EXISTS corpora("
      " id INTEGER PRIMARY KEY,"
      " path TEXT NOT NULL,"
      " format_options_json TEXT NOT NULL,"
      " fingerprint TEXT NOT NULL,"
      " scanned_at TEXT NOT NULL,"
      " UNIQUE(path, format_options_json))");
  db_.exec(
      "CREATE TABLE IF NOT EXISTS corpus_stats("
      " corpus_id INTEGER NOT NULL REFERENCES corpora(id) ON DELETE CASCADE,"
      " target_script TEXT NOT NULL,"
      " stats_json TEXT NOT NULL,"
      " PRIMARY KEY(corpus_id, target_script))");
}

std::optional<CorpusStats> CorpusStore::lookup(const std::string& path,
                                               const std::string& options_key,
                                               const std::string& fingerprint, ScriptClass target) {
  SqliteStatement q(db_,
                    "SELECT s.stats_json FROM corpora c JOIN corpus_stats s ON s.corpus_id = c.id"
                    " WHERE c.path = ? AND c.format_options_json = ? AND c.fingerprint = ?"
                    " AND s.target_script = ?");
  q.bind(1, path).bind(2, options_key).bind(3, fingerprint).bind(4, script_class_name(target));
  if (!q.step()) return std::nullopt;
  const std::string text = q.column_text(0);
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail(db_.path() + ", corpus_stats of " + path,
         std::string("stored statistics are not JSON (") + e.what() +
             "); delete the row or the project file's corpus_stats table to rescan");
  }
  return CorpusStats::from_json(json);
}

int64_t CorpusStore::store(const std::string& path, const std::string& options_key,
                           const std::string& fingerprint, const CorpusStats& stats) {
  SqliteDb::Transaction transaction(db_);
  int64_t id = -1;
  {
    SqliteStatement find(db_,
                         "SELECT id, fingerprint FROM corpora"
                         " WHERE path = ? AND format_options_json = ?");
    find.bind(1, path).bind(2, options_key);
    if (find.step()) {
      id = find.column_int(0);
      if (find.column_text(1) != fingerprint) {
        // The file changed: statistics of its old content (any target) are stale.
        SqliteStatement(db_, "DELETE FROM corpus_stats WHERE corpus_id = ?").bind(1, id).run();
      }
    }
  }
  if (id < 0) {
    SqliteStatement insert(db_,
                           "INSERT INTO corpora(path, format_options_json, fingerprint, scanned_at)"
                           " VALUES(?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))");
    insert.bind(1, path).bind(2, options_key).bind(3, fingerprint).run();
    id = db_.last_insert_id();
  } else {
    SqliteStatement update(db_,
                           "UPDATE corpora SET fingerprint = ?,"
                           " scanned_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?");
    update.bind(1, fingerprint).bind(2, id).run();
  }
  SqliteStatement put(db_,
                      "INSERT OR REPLACE INTO corpus_stats(corpus_id, target_script, stats_json)"
                      " VALUES(?, ?, ?)");
  put.bind(1, id).bind(2, script_class_name(stats.target)).bind(3, stats.to_json().dump()).run();
  transaction.commit();
  return id;
}

CachedScan scan_file_cached(SqliteDb& db, const std::string& path,
                            const CorpusReaderOptions& options, ScriptClass target, int threads,
                            const JobControl& job) {
  const std::string canonical = canonical_corpus_path(path);
  const std::string key = reader_options_key(canonical, options);
  CorpusStore store(db);
  CachedScan result;
  result.fingerprint = file_fingerprint(canonical);
  if (auto cached = store.lookup(canonical, key, result.fingerprint, target)) {
    result.stats = std::move(*cached);
    result.from_cache = true;
    job.report(1.0, "statistics of " + canonical + " unchanged since the last scan");
    return result;
  }
  CorpusReader reader(canonical, options);
  result.stats = scan_corpus(reader, target, threads, job);
  store.store(canonical, key, result.fingerprint, result.stats);
  return result;
}

}  // namespace glossa
