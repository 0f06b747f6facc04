#include "tokenizer/vocab/new_token_map_builder.h"

#include "base/error.h"
#include "tokenizer/spm/sp_processor.h"

namespace glossa {

std::string piece_text(const std::string& piece) {
  static const std::string kSpaceSymbol = "\xE2\x96\x81";
  std::string out;
  out.reserve(piece.size());
  for (size_t i = 0; i < piece.size();) {
    if (piece.compare(i, kSpaceSymbol.size(), kSpaceSymbol) == 0) {
      out += ' ';
      i += kSpaceSymbol.size();
    } else {
      out += piece[i++];
    }
  }
  return out;
}

std::vector<NewTokenEntry> build_new_token_map(const SpModel& base, const SpModel& merged) {
  if (merged.size() < base.size())
    fail("build_new_token_map", "merged model is smaller than its base");
  for (int id = 0; id < base.size(); ++id) {
    if (merged.piece(id).piece != base.piece(id).piece) {
      fail("build_new_token_map", "piece " + std::to_string(id) + " differs between base ('" +
                                      base.piece(id).piece + "') and merged model ('" +
                                      merged.piece(id).piece + "'): not an expansion of the base");
    }
  }
  const auto literal =
      SpProcessor::from_model(base.with_normalizer_flags(false, false), "base (literal copy)");
  std::vector<NewTokenEntry> entries;
  for (int id = base.size(); id < merged.size(); ++id) {
    NewTokenEntry e;
    e.id = id;
    e.piece = merged.piece(id).piece;
    for (const int base_id : literal->encode(piece_text(e.piece))) {
      e.base_ids.push_back(base_id);
      e.base_pieces.push_back(base.piece(base_id).piece);
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace glossa
