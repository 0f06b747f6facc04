#include "tokenizer/vocab/vocab_session_store.h"

#include <array>
#include <unordered_map>

#include "base/error.h"

namespace glossa {

namespace {

constexpr std::array<const char*, 6> kDecisionNames = {
    "candidate", "kept", "dropped", "added_char", "forced_include", "forced_exclude"};

VocabDecisionRow read_row(const SqliteStatement& q) {
  VocabDecisionRow row;
  row.iteration = static_cast<int>(q.column_int(0));
  row.piece = q.column_text(1);
  row.decision = parse_vocab_decision(q.column_text(2));
  row.count = q.column_int(3);
  row.reason = q.column_text(4);
  return row;
}

VocabSessionRow read_session(const SqliteStatement& q) {
  VocabSessionRow s;
  s.id = q.column_int(0);
  s.created_at = q.column_text(1);
  s.options_json = q.column_text(2);
  s.base_fingerprint = q.column_text(3);
  s.result_json = q.column_is_null(4) ? "" : q.column_text(4);
  return s;
}

constexpr const char* kSessionColumns =
    "SELECT id, created_at, options_json, base_fingerprint, result_json FROM vocab_sessions";

}  // namespace

const char* vocab_decision_name(VocabDecision decision) {
  return kDecisionNames.at(static_cast<size_t>(decision));
}

VocabDecision parse_vocab_decision(std::string_view name) {
  for (size_t i = 0; i < kDecisionNames.size(); ++i)
    if (name == kDecisionNames[i]) return static_cast<VocabDecision>(i);
  fail("vocab_decisions.decision", "unknown decision '" + std::string(name) +
                                       "' (expected candidate, kept, dropped, added_char, "
                                       "forced_include or forced_exclude)");
}

VocabSessionStore::VocabSessionStore(SqliteDb& db) : db_(db) {
  db_.exec(
      "CREATE TABLE IF NOT EXISTS vocab_sessions ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT,"
      " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
      " options_json TEXT NOT NULL,"
      " base_fingerprint TEXT NOT NULL,"
      " result_json TEXT);"
      "CREATE TABLE IF NOT EXISTS vocab_decisions ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT,"
      " session_id INTEGER NOT NULL REFERENCES vocab_sessions(id) ON DELETE CASCADE,"
      " iteration INTEGER NOT NULL,"
      " piece TEXT NOT NULL,"
      " decision TEXT NOT NULL CHECK (decision IN ('candidate','kept','dropped','added_char',"
      "'forced_include','forced_exclude')),"
      " count INTEGER NOT NULL,"
      " reason TEXT NOT NULL);"
      "CREATE INDEX IF NOT EXISTS vocab_decisions_by_session"
      " ON vocab_decisions(session_id, piece, iteration);");
}

int64_t VocabSessionStore::create_session(const std::string& options_json,
                                          const std::string& base_fingerprint) {
  SqliteStatement q(db_,
                    "INSERT INTO vocab_sessions (options_json, base_fingerprint) VALUES (?, ?)");
  q.bind(1, std::string_view(options_json)).bind(2, std::string_view(base_fingerprint)).run();
  return db_.last_insert_id();
}

void VocabSessionStore::add_decisions(int64_t session_id,
                                      const std::vector<VocabDecisionRow>& rows) {
  SqliteDb::Transaction transaction(db_);
  SqliteStatement q(db_,
                    "INSERT INTO vocab_decisions (session_id, iteration, piece, decision, count, "
                    "reason) VALUES (?, ?, ?, ?, ?, ?)");
  for (const VocabDecisionRow& row : rows) {
    q.bind(1, session_id)
        .bind(2, int64_t(row.iteration))
        .bind(3, std::string_view(row.piece))
        .bind(4, std::string_view(vocab_decision_name(row.decision)))
        .bind(5, row.count)
        .bind(6, std::string_view(row.reason))
        .run();
  }
  transaction.commit();
}

void VocabSessionStore::finish_session(int64_t session_id, const std::string& result_json) {
  SqliteStatement q(db_, "UPDATE vocab_sessions SET result_json = ? WHERE id = ?");
  q.bind(1, std::string_view(result_json)).bind(2, session_id).run();
}

void VocabSessionStore::delete_session(int64_t session_id) {
  SqliteDb::Transaction transaction(db_);
  SqliteStatement(db_, "DELETE FROM vocab_decisions WHERE session_id = ?").bind(1, session_id).run();
  SqliteStatement(db_, "DELETE FROM vocab_sessions WHERE id = ?").bind(1, session_id).run();
  transaction.commit();
}

std::vector<VocabSessionRow> VocabSessionStore::sessions() const {
  SqliteStatement q(db_, std::string(kSessionColumns) + " ORDER BY id DESC");
  std::vector<VocabSessionRow> out;
  while (q.step()) out.push_back(read_session(q));
  return out;
}

VocabSessionRow VocabSessionStore::session(int64_t session_id) const {
  SqliteStatement q(db_, std::string(kSessionColumns) + " WHERE id = ?");
  q.bind(1, session_id);
  if (!q.step()) {
    fail(db_.path(), "no vocabulary session with id " + std::to_string(session_id));
  }
  return read_session(q);
}

std::vector<VocabDecisionRow> VocabSessionStore::decisions(int64_t session_id) const {
  SqliteStatement q(db_,
                    "SELECT iteration, piece, decision, count, reason FROM vocab_decisions "
                    "WHERE session_id = ? ORDER BY id");
  q.bind(1, session_id);
  std::vector<VocabDecisionRow> out;
  while (q.step()) out.push_back(read_row(q));
  return out;
}

std::vector<VocabDecisionRow> VocabSessionStore::latest_decisions(int64_t session_id) const {
  std::vector<VocabDecisionRow> out;
  std::unordered_map<std::string, size_t> index;
  for (VocabDecisionRow& row : decisions(session_id)) {
    const auto [it, inserted] = index.emplace(row.piece, out.size());
    if (inserted) {
      out.push_back(std::move(row));
    } else {
      out[it->second] = std::move(row);
    }
  }
  return out;
}

}  // namespace glossa
