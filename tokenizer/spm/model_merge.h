// Merging SentencePiece vocabularies the Chinese-LLaMA way: the base model keeps every piece with
// its id, score and type, and the new pieces are appended after it, so a model trained on the base
// vocabulary only needs new embedding rows. Trainer and normalizer specs stay the base's.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "tokenizer/spm/sp_model.h"

namespace glossa {

// Score given to an appended piece. SentencePiece's BPE merges the pair whose merged piece has the
// largest score first (ties: leftmost), so the score decides whether new pieces beat base merges.
enum class ScorePolicy {
  kZero,       // 0 for every new piece (Chinese-LLaMA, default): new pieces win over base merges
  kKeep,       // the added model's own score (not comparable with base scores, see docs/tokenizer-files.md)
  kBelowBase,  // min base score - 1 - rank (rank 0 for the first appended piece): never outranks
               // a base merge, and every new piece has a distinct score (no ties among them).
               // Where floats are more than 1 apart (Llama 2's -1e9 sentinel) each step goes to
               // the next representable float below instead, so scores stay distinct.
};

// "zero", "keep", "below-base"; throws Error listing these on anything else.
ScorePolicy parse_score_policy(std::string_view name);
const char* score_policy_name(ScorePolicy policy);

struct MergeOptions {
  ScorePolicy score_policy = ScorePolicy::kZero;
};

struct MergeReport {
  int base_size = 0;           // pieces in the base before the merge
  int appended = 0;            // new pieces appended
  int skipped_duplicates = 0;  // already in the base, or earlier in the list
  int skipped_special = 0;     // CONTROL / UNKNOWN / BYTE / UNUSED pieces of the list
  int piece_chars = 0;         // characters of appended pieces appended after them (vocab merge --piece-chars)
  int merged_size = 0;         // base_size + appended + piece_chars
  nlohmann::json to_json() const;
};

// Appends candidate pieces after all of base's pieces, in the given order: duplicates (already in
// base or earlier in the list) skipped; CONTROL/UNKNOWN/BYTE/UNUSED pieces skipped (counted as
// special); new pieces get type NORMAL and the policy's score. Base pieces keep id, score, type.
// Throws Error (naming the list index) on an empty piece string; base is then unchanged.
MergeReport append_pieces(SpModel& base, const std::vector<Piece>& pieces,
                          const MergeOptions& options);

// Chinese-LLaMA merge: every piece of `add` that `base` lacks, in add's order. `report` may be
// null.
SpModel merge_models(const SpModel& base, const SpModel& add, const MergeOptions& options,
                     MergeReport* report);

}  // namespace glossa
