// Will transformers' fast tokenizer split text as SentencePiece does? LlamaTokenizerFast is not
// SentencePiece: transformers converts tokenizer.model into a merge-rank BPE whose merges are the
// pairs (left, right) of vocabulary pieces that concatenate to a piece, ranked by that piece's
// score (ties: longer left half first), and it turns characters the vocabulary lacks into
// byte-fallback pieces BEFORE merging. SentencePiece's BPE instead merges any two adjacent
// symbols (characters the vocabulary lacks included) whose concatenation is a piece, highest
// score first, the leftmost pair among equal scores. Two structural differences follow, and both
// can be checked on the model alone (docs/tokenizer-files.md, "Fast and slow tokenizers"):
//   - a tie: two mergeable pieces with the same score, where the tie-breaks differ;
//   - an unformable piece: a piece containing a character that is not itself a piece, which
//     SentencePiece forms from that character and the fast tokenizer never can.
#pragma once

#include <string>
#include <vector>

#include "tokenizer/spm/sp_model.h"

namespace glossa {

struct FastAgreementCheck {
  int first_checked_id = 0;  // pieces from this id on were checked (the appended ones)
  int tied = 0;              // checked multi-character pieces sharing a score with another one
  int unformable = 0;        // checked pieces with a character that is not a piece
  std::vector<std::string> tied_examples;       // at most 3 pieces each
  std::vector<std::string> unformable_examples;
  bool agrees() const { return tied == 0 && unformable == 0; }
  // One sentence for a warning: what differs and how many pieces, with examples; "" if agrees().
  std::string describe() const;
};

// Checks the NORMAL pieces with id >= first_id against every mergeable piece of
// the model (base pieces are trusted: their ties, like Llama 2's whitespace runs at -1e9, are
// the base tokenizer's own behaviour).
FastAgreementCheck check_fast_agreement(const SpModel& model, int first_id);

// The characters (UTF-8, in order of first appearance) of pieces with id >= first_id that are
// not pieces of `model`: appending them (as vocab expand does by default) makes every appended
// piece formable by the fast tokenizer too.
std::vector<std::string> missing_piece_chars(const SpModel& model, int first_id);

}  // namespace glossa
