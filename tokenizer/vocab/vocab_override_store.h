// A person's curation of a vocabulary session (the Vocabulary page): include or exclude a piece
// whatever its count, or reset it to the engine's rule, each with a reason. Every change is a row,
// so the history is kept; a piece's current override is its latest row ('reset' = none). The next
// expansion takes the current overrides as its force_include / force_exclude lists. Table
// (docs/vocabulary-expansion.md, "Decisions in the project database"):
//   vocab_overrides(id, session_id, piece, action, reason, at)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/sqlite_db.h"

namespace glossa {

enum class VocabOverride { kInclude, kExclude, kReset };
const char* vocab_override_name(VocabOverride action);  // "include", "exclude", "reset"
VocabOverride parse_vocab_override(std::string_view name);  // throws Error naming the value

struct VocabOverrideRow {
  std::string piece;
  VocabOverride action = VocabOverride::kReset;
  std::string reason;
  std::string at;  // UTC, ISO 8601 with milliseconds
};

class VocabOverrideStore {
 public:
  // Creates the table when missing. `db` must outlive the store; the vocab_sessions table must
  // exist (VocabSessionStore creates it).
  explicit VocabOverrideStore(SqliteDb& db);

  // One row per piece, in one transaction; throws Error for an unknown session or an empty piece.
  void record(int64_t session_id, const std::vector<std::string>& pieces, VocabOverride action,
              const std::string& reason);
  // Every row, oldest first.
  std::vector<VocabOverrideRow> history(int64_t session_id) const;
  // The latest row of each piece whose latest action is not reset, in first-seen order.
  std::vector<VocabOverrideRow> current(int64_t session_id) const;

 private:
  SqliteDb& db_;
};

}  // namespace glossa
