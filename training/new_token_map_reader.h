// Reads new_token_map.jsonl, the new-token -> base-pieces map the tokenizer engine writes when
// it expands a vocabulary (docs/vocabulary-expansion.md). Torch-free, and independent of
// tokenizer/new_token_map.h (training links no tokenizer code).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace glossa {

struct NewTokenRow {
  int64_t id = 0;                        // id of the new piece in the merged vocabulary
  std::string piece;                     // the piece, "▁" for a leading space
  std::vector<int64_t> base_ids;         // the piece's text encoded by the BASE tokenizer
  std::vector<std::string> base_pieces;  // the pieces of base_ids (same length)
};

// One JSON object per line: {"id", "piece", "base_ids", "base_pieces"}; empty lines skipped.
// Throws Error naming `where` and the line for malformed lines, missing keys, lengths that
// differ, or ids that are not strictly increasing.
std::vector<NewTokenRow> parse_new_token_map(const std::string& text, const std::string& where);
std::vector<NewTokenRow> read_new_token_map_file(const std::string& path);

// Rows after padding `token_count` up to a multiple of `multiple` (0 or 1: unchanged): the
// resized model's vocabulary (vocab_resize.h) and the memory estimate's (run_memory.h).
int64_t padded_vocab_rows(int64_t token_count, int64_t multiple);

// True for a base piece EEVE must not take as a new token's output row: a bare "▁" (or only "▁"s)
// or a special token written "<...>" (<unk>, <s>, </s>, <pad>, <|...|>), but NOT a byte piece
// "<0xNN>" (a real token: the first byte of a character the base spells in bytes).
bool is_whitespace_or_special_piece(const std::string& piece);

}  // namespace glossa
