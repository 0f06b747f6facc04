#include "tokenizer/vocab/vocab_candidate_table.h"

#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "tokenizer/spm/sp_processor.h"
#include "tokenizer/text/unicode_script.h"
#include "tokenizer/text/utf8.h"
#include "tokenizer/vocab/new_token_map_builder.h"

namespace glossa {

namespace {

// Code points and the script of the first letter (▁, digits and punctuation are not letters).
void describe_text(CandidateRow& row) {
  const ScriptTable& table = ScriptTable::get();
  const char* p = row.piece.data();
  const char* end = p + row.piece.size();
  while (p < end) {
    const char32_t cp = utf8::decode_next(p, end);
    ++row.chars;
    const ScriptClass c = table.classify(cp);
    if (row.script.empty() && cp != U'\u2581' && is_letter_class(c))
      row.script = script_class_name(c);
  }
}

void rank_by_count(std::vector<CandidateRow>& rows) {
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return rows[a].count > rows[b].count; });
  int64_t rank = 0;
  for (size_t i : order)
    if (rows[i].count >= 0) rows[i].rank = ++rank;
}

}  // namespace

const char* candidate_status(VocabDecision decision) {
  switch (decision) {
    case VocabDecision::kKept: return "included";
    case VocabDecision::kDropped: return "excluded";
    case VocabDecision::kForcedExclude: return "forced out";
    case VocabDecision::kForcedInclude: return "forced";
    case VocabDecision::kAddedChar: return "single character";
    case VocabDecision::kCandidate: break;
  }
  return "candidate";
}

std::vector<CandidateRow> build_candidate_table(const std::vector<VocabDecisionRow>& latest,
                                                const SpModel* base) {
  std::shared_ptr<const SpProcessor> literal;
  if (base)
    literal = SpProcessor::from_model(base->with_normalizer_flags(false, false), "base (literal)");
  std::vector<CandidateRow> rows;
  rows.reserve(latest.size());
  for (const VocabDecisionRow& d : latest) {
    CandidateRow row;
    row.piece = d.piece;
    row.count = d.count;
    row.status = candidate_status(d.decision);
    row.reason = d.reason;
    row.iteration = d.iteration;
    describe_text(row);
    if (literal)
      for (int id : literal->encode(piece_text(d.piece))) row.base_pieces.push_back(base->piece(id).piece);
    rows.push_back(std::move(row));
  }
  rank_by_count(rows);
  return rows;
}

void apply_overrides(std::vector<CandidateRow>& rows,
                     const std::vector<VocabOverrideRow>& current) {
  std::unordered_map<std::string, const VocabOverrideRow*> by_piece;
  for (const VocabOverrideRow& o : current) by_piece[o.piece] = &o;
  for (CandidateRow& row : rows) {
    const auto it = by_piece.find(row.piece);
    row.override_action = it == by_piece.end() ? "" : vocab_override_name(it->second->action);
    row.override_reason = it == by_piece.end() ? "" : it->second->reason;
  }
}

}  // namespace glossa
