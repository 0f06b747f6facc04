#include "tokenizer/spm/fast_tokenizer_agreement.h"

#include <unordered_map>
#include <unordered_set>

#include "tokenizer/text/utf8.h"

namespace glossa {

namespace {

// USER_DEFINED pieces are matched whole before merging (both tokenizers), never merged into.
bool is_mergeable_type(PieceType type) { return type == PieceType::kNormal; }

// The characters of a piece as UTF-8 substrings (a malformed byte stays one "character").
std::vector<std::string> chars_of(const std::string& piece) {
  std::vector<std::string> out;
  const char* p = piece.data();
  const char* end = p + piece.size();
  while (p != end) {
    const char* start = p;
    utf8::decode_next(p, end);
    out.emplace_back(start, p);
  }
  return out;
}

void add_example(std::vector<std::string>* examples, const std::string& piece) {
  if (examples->size() < 3) examples->push_back(piece);
}

std::string quoted_list(const std::vector<std::string>& pieces) {
  std::string out;
  for (const std::string& p : pieces) out += (out.empty() ? "'" : ", '") + p + "'";
  return out;
}

}  // namespace

std::string FastAgreementCheck::describe() const {
  if (agrees()) return "";
  std::string out = "transformers' fast tokenizer (AutoTokenizer's default) may split text "
                    "differently from SentencePiece:";
  if (tied > 0)
    out += " " + std::to_string(tied) + " appended pieces share their score with another piece (" +
           quoted_list(tied_examples) + ")" + (unformable > 0 ? ";" : ".");
  if (unformable > 0)
    out += " " + std::to_string(unformable) +
           " appended pieces contain a character the vocabulary lacks (" +
           quoted_list(unformable_examples) + ").";
  return out;
}

FastAgreementCheck check_fast_agreement(const SpModel& model, int first_id) {
  FastAgreementCheck check;
  check.first_checked_id = first_id;
  // How many mergeable multi-character pieces have each score: only they are merge results.
  std::unordered_map<float, int> score_uses;
  const auto multi_char = [](const std::string& piece) { return chars_of(piece).size() > 1; };
  for (const Piece& p : model.pieces())
    if (is_mergeable_type(p.type) && multi_char(p.piece)) ++score_uses[p.score];
  for (int id = first_id; id < model.size(); ++id) {
    const Piece& p = model.piece(id);
    if (!is_mergeable_type(p.type)) continue;
    const std::vector<std::string> chars = chars_of(p.piece);
    if (chars.size() < 2) continue;  // a single character is never a merge result
    if (score_uses[p.score] > 1) {
      ++check.tied;
      add_example(&check.tied_examples, p.piece);
    }
    for (const std::string& c : chars) {
      if (model.contains(c)) continue;
      ++check.unformable;
      add_example(&check.unformable_examples, p.piece);
      break;
    }
  }
  return check;
}

std::vector<std::string> missing_piece_chars(const SpModel& model, int first_id) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (int id = first_id; id < model.size(); ++id) {
    const Piece& p = model.piece(id);
    if (!is_mergeable_type(p.type)) continue;
    for (const std::string& c : chars_of(p.piece))
      if (!model.contains(c) && seen.insert(c).second) out.push_back(c);
  }
  return out;
}

}  // namespace glossa
