#include "tokenizer/vocab/vocab_override_store.h"

#include <unordered_map>

#include "base/error.h"

namespace glossa {

namespace {

constexpr const char* kNames[] = {"include", "exclude", "reset"};

}  // namespace

const char* vocab_override_name(VocabOverride action) { return kNames[int(action)]; }

VocabOverride parse_vocab_override(std::string_view name) {
  for (int i = 0; i < 3; ++i)
    if (name == kNames[i]) return VocabOverride(i);
  fail("vocab override action", "unknown action '" + std::string(name) +
                                    "' (expected include, exclude or reset)");
}

VocabOverrideStore::VocabOverrideStore(SqliteDb& db) : db_(db) {
  db_.exec(
      "CREATE TABLE IF NOT EXISTS vocab_overrides ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT,"
      " session_id INTEGER NOT NULL REFERENCES vocab_sessions(id) ON DELETE CASCADE,"
      " piece TEXT NOT NULL,"
      " action TEXT NOT NULL CHECK (action IN ('include','exclude','reset')),"
      " reason TEXT NOT NULL,"
      " at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));"
      "CREATE INDEX IF NOT EXISTS vocab_overrides_by_session ON vocab_overrides(session_id, id);");
}

void VocabOverrideStore::record(int64_t session_id, const std::vector<std::string>& pieces,
                                VocabOverride action, const std::string& reason) {
  {
    SqliteStatement q(db_, "SELECT 1 FROM vocab_sessions WHERE id = ?");
    q.bind(1, session_id);
    if (!q.step())
      fail(db_.path(), "no vocabulary session " + std::to_string(session_id));
  }
  SqliteDb::Transaction tx(db_);
  SqliteStatement q(db_,
                    "INSERT INTO vocab_overrides (session_id, piece, action, reason) "
                    "VALUES (?, ?, ?, ?)");
  for (const std::string& piece : pieces) {
    if (piece.empty()) fail(db_.path(), "vocab override: empty piece");
    q.bind(1, session_id)
        .bind(2, std::string_view(piece))
        .bind(3, std::string_view(vocab_override_name(action)))
        .bind(4, std::string_view(reason))
        .run();
  }
  tx.commit();
}

std::vector<VocabOverrideRow> VocabOverrideStore::history(int64_t session_id) const {
  SqliteStatement q(db_,
                    "SELECT piece, action, reason, at FROM vocab_overrides "
                    "WHERE session_id = ? ORDER BY id");
  q.bind(1, session_id);
  std::vector<VocabOverrideRow> rows;
  while (q.step())
    rows.push_back({q.column_text(0), parse_vocab_override(q.column_text(1)), q.column_text(2),
                    q.column_text(3)});
  return rows;
}

std::vector<VocabOverrideRow> VocabOverrideStore::current(int64_t session_id) const {
  std::vector<VocabOverrideRow> latest;
  std::unordered_map<std::string, size_t> index;
  for (VocabOverrideRow& row : history(session_id)) {
    auto [it, fresh] = index.emplace(row.piece, latest.size());
    if (fresh)
      latest.push_back(std::move(row));
    else
      latest[it->second] = std::move(row);
  }
  std::erase_if(latest, [](const VocabOverrideRow& r) { return r.action == VocabOverride::kReset; });
  return latest;
}

}  // namespace glossa
