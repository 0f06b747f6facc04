// Building the new-token map (base/new_token_map.h) of a merged tokenizer from its base.
#pragma once

#include <string>
#include <vector>

#include "base/new_token_map.h"
#include "tokenizer/spm/sp_model.h"

namespace glossa {

// A piece's text: "▁" (U+2581) turned back into the space it stands for.
std::string piece_text(const std::string& piece);

// One entry per piece with id >= base.size() in `merged` (whose first base.size() pieces must be
// the base's). The piece's text ("▁" turned back into a space) is encoded literally by a copy of
// the base with add_dummy_prefix and remove_extra_whitespaces off: "▁안녕" -> " 안녕" keeps its
// leading "▁", "하세요" gets none. Throws Error when merged does not start with base's pieces.
std::vector<NewTokenEntry> build_new_token_map(const SpModel& base, const SpModel& merged);

}  // namespace glossa
