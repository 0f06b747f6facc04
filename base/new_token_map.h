// The new-token map of an expanded tokenizer: for every piece appended to the base, how the BASE
// tokenizer splits its text. The tokenizer engine writes it (tokenizer/vocab/
// new_token_map_builder.h); the training engine reads it to initialise the new embedding rows
// (EEVE: input row = mean of the base rows; output row = row of the first base piece that is
// not a bare "▁" or a special piece). File format: JSONL, one object per new token, in id order
//   {"id":32000,"piece":"▁안녕","base_ids":[29871,31734,...],"base_pieces":["▁","안",...]}
// (docs/vocabulary-expansion.md). This is the one type and the one reader of that file.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace glossa {

struct NewTokenEntry {
  int64_t id = 0;                        // id in the merged tokenizer
  std::string piece;                     // the new piece, "▁" for whitespace
  std::vector<int64_t> base_ids;         // the piece's text encoded by the base tokenizer
  std::vector<std::string> base_pieces;  // the same as base pieces ("<0xNN>" for bytes)

  nlohmann::json to_json() const;
};

// One JSON object per line, exactly {"id", "piece", "base_ids", "base_pieces"}; empty lines
// skipped. Throws Error naming `where` and the line for malformed lines, unknown or missing keys,
// lengths that differ, no base pieces, or ids that are not strictly increasing.
std::vector<NewTokenEntry> parse_new_token_map(const std::string& text, const std::string& where);
std::vector<NewTokenEntry> read_new_token_map(const std::string& path);

// The JSONL text, and its writer (atomic: temporary file + rename).
std::string new_token_map_text(const std::vector<NewTokenEntry>& entries);
void write_new_token_map(const std::string& path, const std::vector<NewTokenEntry>& entries);

// Rows after padding `token_count` up to a multiple of `multiple` (0 or 1: unchanged): the
// resized model's vocabulary (vocab_resize.h) and the memory estimate's (run_memory.h).
int64_t padded_vocab_rows(int64_t token_count, int64_t multiple);

// True for a base piece EEVE must not take as a new token's output row: a bare "▁" (or only "▁"s)
// or a special token written "<...>" (<unk>, <s>, </s>, <pad>, <|...|>), but NOT a byte piece
// "<0xNN>" (a real token: the first byte of a character the base spells in bytes).
bool is_whitespace_or_special_piece(const std::string& piece);

}  // namespace glossa
