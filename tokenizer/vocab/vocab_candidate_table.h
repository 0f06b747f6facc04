// The candidate table of a vocabulary session as the Vocabulary page shows it: one row per piece
// the session judged, with its latest count and decision, rank by count, length in characters,
// script, the base pieces it replaces and the person's current override. Built from the project
// database (VocabSessionStore, VocabOverrideStore); Qt-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/spm/sp_model.h"
#include "tokenizer/vocab/vocab_override_store.h"
#include "tokenizer/vocab/vocab_session_store.h"

namespace glossa {

struct CandidateRow {
  std::string piece;                     // "▁" for space
  int64_t count = -1;                    // latest count; -1 = not counted
  int64_t rank = 0;                      // 1 = most frequent counted row; 0 = not counted
  int chars = 0;                         // code points, "▁" included
  std::string script;                    // script_class_name of its first letter; "" = none
  std::string status;                    // candidate_status() of the latest decision
  std::string reason;                    // the engine's, in plain words
  int iteration = 0;                     // pass of the latest decision (0 = selection)
  std::vector<std::string> base_pieces;  // the base's encoding of the piece's text
  std::string override_action;           // "", "include" or "exclude"
  std::string override_reason;
};

// The engine's decision in the page's words: kept -> included, dropped -> excluded,
// forced_include -> forced, forced_exclude -> forced out, added_char -> single character,
// candidate -> candidate. Only included, excluded and candidate rows follow the min-frequency
// rule; the others stay as they are whatever the rule.
const char* candidate_status(VocabDecision decision);

// Rows in first-seen order. `base` (may be null) gives base_pieces: the piece's text encoded by a
// literal copy of the base, as in new_token_map.jsonl. Ranks: by count descending, ties in
// first-seen order.
std::vector<CandidateRow> build_candidate_table(const std::vector<VocabDecisionRow>& latest,
                                                const SpModel* base);
// Sets override_action / override_reason from the current overrides (others cleared).
void apply_overrides(std::vector<CandidateRow>& rows,
                     const std::vector<VocabOverrideRow>& current);

}  // namespace glossa
