#include "training/new_token_map_reader.h"

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "tokenizer/error.h"
#include "tokenizer/file_util.h"

namespace glossa {

namespace {

NewTokenRow parse_row(const std::string& line) {
  const nlohmann::json j = nlohmann::json::parse(line);  // throws on malformed JSON
  NewTokenRow row;
  row.id = j.at("id").get<int64_t>();
  row.piece = j.at("piece").get<std::string>();
  row.base_ids = j.at("base_ids").get<std::vector<int64_t>>();
  row.base_pieces = j.at("base_pieces").get<std::vector<std::string>>();
  return row;
}

}  // namespace

std::vector<NewTokenRow> parse_new_token_map(const std::string& text, const std::string& where) {
  std::istringstream in(text);
  std::vector<NewTokenRow> rows;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line == "\r") continue;
    const std::string at = where + ":" + std::to_string(number);
    try {
      rows.push_back(parse_row(line));
    } catch (const nlohmann::json::exception& e) {
      fail(at, std::string(e.what()) +
                   " (expected {\"id\", \"piece\", \"base_ids\", \"base_pieces\"} per line)");
    }
    const NewTokenRow& r = rows.back();
    if (r.base_ids.size() != r.base_pieces.size())
      fail(at, "base_ids has " + std::to_string(r.base_ids.size()) + " entries, base_pieces " +
                   std::to_string(r.base_pieces.size()));
    if (r.base_ids.empty()) fail(at, "piece '" + r.piece + "' has no base pieces");
    if (rows.size() > 1 && r.id <= rows[rows.size() - 2].id)
      fail(at, "id " + std::to_string(r.id) + " does not follow id " +
                   std::to_string(rows[rows.size() - 2].id) + " (the map is written in id order)");
  }
  return rows;
}

std::vector<NewTokenRow> read_new_token_map_file(const std::string& path) {
  return parse_new_token_map(read_file(path), path);
}

bool is_whitespace_or_special_piece(const std::string& piece) {
  static const std::string kSpace = "\xE2\x96\x81";  // U+2581
  bool only_spaces = true;                           // "▁", "▁▁", ...
  for (size_t i = 0; i < piece.size() && only_spaces; i += kSpace.size())
    only_spaces = piece.compare(i, kSpace.size(), kSpace) == 0;
  if (only_spaces) return true;
  static const std::regex kByte("<0x[0-9A-Fa-f]{2}>");
  return piece.size() > 2 && piece.front() == '<' && piece.back() == '>' &&
         !std::regex_match(piece, kByte);
}

int64_t padded_vocab_rows(int64_t token_count, int64_t multiple) {
  if (multiple <= 1) return token_count;
  return (token_count + multiple - 1) / multiple * multiple;
}

}  // namespace glossa
