#include "base/new_token_map.h"

#include <regex>
#include <sstream>

#include "base/error.h"
#include "base/file_util.h"
#include "base/strict_json.h"

namespace glossa {

namespace {

NewTokenEntry parse_entry(const nlohmann::json& j, const std::string& where) {
  StrictJson r(j, where, "docs/vocabulary-expansion.md");
  NewTokenEntry e;
  r.require("id", e.id);
  r.require("piece", e.piece);
  r.require("base_ids", e.base_ids);
  r.require("base_pieces", e.base_pieces);
  r.finish();
  if (e.base_ids.size() != e.base_pieces.size())
    fail(where, "base_ids has " + std::to_string(e.base_ids.size()) + " entries, base_pieces " +
                    std::to_string(e.base_pieces.size()));
  if (e.base_ids.empty()) fail(where, "piece '" + e.piece + "' has no base pieces");
  return e;
}

}  // namespace

nlohmann::json NewTokenEntry::to_json() const {
  return {{"id", id}, {"piece", piece}, {"base_ids", base_ids}, {"base_pieces", base_pieces}};
}

std::vector<NewTokenEntry> parse_new_token_map(const std::string& text, const std::string& where) {
  std::istringstream in(text);
  std::vector<NewTokenEntry> entries;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line == "\r") continue;
    const std::string at = where + ":" + std::to_string(number);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      fail(at, std::string("not valid JSON: ") + e.what() +
                   " (expected {\"id\", \"piece\", \"base_ids\", \"base_pieces\"} per line)");
    }
    entries.push_back(parse_entry(j, at));
    if (entries.size() > 1 && entries.back().id <= entries[entries.size() - 2].id)
      fail(at, "id " + std::to_string(entries.back().id) + " does not follow id " +
                   std::to_string(entries[entries.size() - 2].id) +
                   " (the map is written in id order)");
  }
  return entries;
}

std::vector<NewTokenEntry> read_new_token_map(const std::string& path) {
  return parse_new_token_map(read_file(path), path);
}

std::string new_token_map_text(const std::vector<NewTokenEntry>& entries) {
  std::string out;
  for (const NewTokenEntry& e : entries) {
    out += e.to_json().dump();
    out += '\n';
  }
  return out;
}

void write_new_token_map(const std::string& path, const std::vector<NewTokenEntry>& entries) {
  write_file_atomically(path, new_token_map_text(entries));
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
