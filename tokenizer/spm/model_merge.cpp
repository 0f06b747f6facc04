#include "tokenizer/spm/model_merge.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "base/error.h"

namespace glossa {

ScorePolicy parse_score_policy(std::string_view name) {
  if (name == "zero") return ScorePolicy::kZero;
  if (name == "keep") return ScorePolicy::kKeep;
  if (name == "below-base") return ScorePolicy::kBelowBase;
  fail("score policy",
       "unknown name '" + std::string(name) + "' (expected one of: zero, keep, below-base)");
}

const char* score_policy_name(ScorePolicy policy) {
  switch (policy) {
    case ScorePolicy::kZero:
      return "zero";
    case ScorePolicy::kKeep:
      return "keep";
    case ScorePolicy::kBelowBase:
      return "below-base";
  }
  return "?";
}

nlohmann::json MergeReport::to_json() const {
  return {{"base_size", base_size},
          {"appended", appended},
          {"skipped_duplicates", skipped_duplicates},
          {"skipped_special", skipped_special},
          {"piece_chars", piece_chars},
          {"merged_size", merged_size}};
}

namespace {

bool is_special(PieceType type) {
  return type == PieceType::kControl || type == PieceType::kUnknown || type == PieceType::kByte ||
         type == PieceType::kUnused;
}

float min_score(const SpModel& model) {
  float lowest = 0.0f;
  for (const Piece& p : model.pieces()) lowest = std::min(lowest, p.score);
  return lowest;
}

// score - 1, or the next float below when the spacing of floats there exceeds 1. Llama 2 gives
// its 16 whitespace-run pieces ("▁▁", ...) the sentinel score -1e9, where floats are 64 apart:
// plain "- 1 - rank" would round back to equal scores and bring the ties back.
float below(float score) {
  const float step = score - 1.0f;
  return step < score ? step : std::nextafter(score, -std::numeric_limits<float>::infinity());
}

}  // namespace

MergeReport append_pieces(SpModel& base, const std::vector<Piece>& pieces,
                          const MergeOptions& options) {
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (pieces[i].piece.empty()) {
      fail("append_pieces", "candidate #" + std::to_string(i) +
                                " is an empty string (SentencePiece pieces must be non-empty)");
    }
  }
  MergeReport report;
  report.base_size = base.size();
  // kBelowBase: computed before appending, so the scores depend on the base only.
  float next_below = below(min_score(base));
  for (const Piece& candidate : pieces) {
    if (is_special(candidate.type)) {
      ++report.skipped_special;
      continue;
    }
    if (base.contains(candidate.piece)) {  // covers pieces appended earlier from this list
      ++report.skipped_duplicates;
      continue;
    }
    Piece added{candidate.piece, 0.0f, PieceType::kNormal};
    if (options.score_policy == ScorePolicy::kKeep) added.score = candidate.score;
    if (options.score_policy == ScorePolicy::kBelowBase) {
      added.score = next_below;
      next_below = below(next_below);
    }
    base.append(added);
    ++report.appended;
  }
  report.merged_size = base.size();
  return report;
}

SpModel merge_models(const SpModel& base, const SpModel& add, const MergeOptions& options,
                     MergeReport* report) {
  SpModel merged = base;
  const MergeReport r = append_pieces(merged, add.pieces(), options);
  if (report) *report = r;
  return merged;
}

}  // namespace glossa
