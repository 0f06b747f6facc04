// Vocabulary expansion sessions and every curation decision, in the project database, so the
// GUI can list candidates with count, rank, status, reason and iteration. Tables
// (docs/vocabulary-expansion.md):
//   vocab_sessions(id, created_at, options_json, base_fingerprint, result_json)
//   vocab_decisions(id, session_id, iteration, piece, decision, count, reason)
// A piece has one row per iteration it was judged in; its status is its latest row.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/sqlite_db.h"

namespace glossa {

enum class VocabDecision {
  kCandidate,      // iteration 0: in the intermediate model, absent from the base
  kKept,           // counted at least min_freq times (or a frequent single character)
  kDropped,        // counted fewer than min_freq times, or rejected by the script filter
  kAddedChar,      // single character of the script, frequent in the corpus, absent from target
  kForcedInclude,  // on the force-include list: kept whatever its count
  kForcedExclude,  // on the force-exclude list: never a candidate
};
const char* vocab_decision_name(VocabDecision decision);
VocabDecision parse_vocab_decision(std::string_view name);  // throws Error on unknown names

struct VocabDecisionRow {
  int iteration = 0;  // 0 = candidate selection, then 1, 2, ... counting passes
  std::string piece;
  VocabDecision decision = VocabDecision::kCandidate;
  int64_t count = -1;  // token count (character count for kAddedChar); -1 = not counted
  std::string reason;  // in plain words, e.g. "count 12 < min_freq 50"
};

struct VocabSessionRow {
  int64_t id = 0;
  std::string created_at;  // UTC, ISO 8601
  std::string options_json;
  std::string base_fingerprint;  // SpModel::fingerprint() of the base tokenizer
  std::string result_json;       // expansion_report.json once finished; empty while running
};

class VocabSessionStore {
 public:
  // Creates the tables when missing. `db` must outlive the store.
  explicit VocabSessionStore(SqliteDb& db);

  int64_t create_session(const std::string& options_json, const std::string& base_fingerprint);
  void add_decisions(int64_t session_id, const std::vector<VocabDecisionRow>& rows);
  void finish_session(int64_t session_id, const std::string& result_json);
  // Removes a session and its decisions (an expansion that failed or was cancelled).
  void delete_session(int64_t session_id);

  std::vector<VocabSessionRow> sessions() const;      // newest first
  VocabSessionRow session(int64_t session_id) const;  // throws Error when absent
  // Every row of a session, in insertion order.
  std::vector<VocabDecisionRow> decisions(int64_t session_id) const;
  // The latest row of each piece (its current status), in first-seen order.
  std::vector<VocabDecisionRow> latest_decisions(int64_t session_id) const;

 private:
  SqliteDb& db_;
};

}  // namespace glossa
