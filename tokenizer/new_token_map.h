// The new-token map of an expanded tokenizer: for every piece appended to the base, how the BASE
// tokenizer splits its text. The training engine reads it to initialise the new embedding rows
// (EEVE: input row = mean of the base rows; output row = row of the first base piece that is
// not a bare "▁" or a special piece). File format: JSONL, one object per new token, in id order
//   {"id":32000,"piece":"▁안녕","base_ids":[29871,31734,...],"base_pieces":["▁","안",...]}
// (docs/vocabulary-expansion.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenizer/sp_model.h"

namespace glossa {

struct NewTokenEntry {
  int id = 0;                            // id in the merged tokenizer
  std::string piece;                     // the new piece, "▁" for whitespace
  std::vector<int> base_ids;             // the piece's text encoded by the base tokenizer
  std::vector<std::string> base_pieces;  // the same as base pieces ("<0xNN>" for bytes)

  nlohmann::json to_json() const;
  static NewTokenEntry from_json(const nlohmann::json& j);  // throws Error on missing fields
};

// One entry per piece with id >= base.size() in `merged` (whose first base.size() pieces must be
// the base's). The piece's text ("▁" turned back into a space) is encoded literally by a copy of
// the base with add_dummy_prefix and remove_extra_whitespaces off: "▁안녕" -> " 안녕" keeps its
// leading "▁", "하세요" gets none. Throws Error when merged does not start with base's pieces.
std::vector<NewTokenEntry> build_new_token_map(const SpModel& base, const SpModel& merged);

// JSONL writer (atomic: temporary file + rename) and reader (errors name file and line).
void write_new_token_map(const std::string& path, const std::vector<NewTokenEntry>& entries);
std::vector<NewTokenEntry> read_new_token_map(const std::string& path);

}  // namespace glossa
