#include "tokenizer/new_token_map.h"

#include <sstream>

#include "tokenizer/error.h"
#include "tokenizer/file_util.h"
#include "tokenizer/sp_processor.h"

namespace glossa {

namespace {

// "▁" (U+2581) back to the space it stands for.
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

}  // namespace

nlohmann::json NewTokenEntry::to_json() const {
  return {{"id", id}, {"piece", piece}, {"base_ids", base_ids}, {"base_pieces", base_pieces}};
}

NewTokenEntry NewTokenEntry::from_json(const nlohmann::json& j) {
  NewTokenEntry e;
  try {
    e.id = j.at("id").get<int>();
    e.piece = j.at("piece").get<std::string>();
    e.base_ids = j.at("base_ids").get<std::vector<int>>();
    e.base_pieces = j.at("base_pieces").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& ex) {
    fail("new-token map entry",
         std::string(ex.what()) + " (expected {\"id\", \"piece\", \"base_ids\", \"base_pieces\"})");
  }
  if (e.base_ids.size() != e.base_pieces.size())
    fail("new-token map entry " + std::to_string(e.id),
         "base_ids and base_pieces differ in length");
  return e;
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
    e.base_ids = literal->encode(piece_text(e.piece));
    for (const int base_id : e.base_ids) e.base_pieces.push_back(base.piece(base_id).piece);
    entries.push_back(std::move(e));
  }
  return entries;
}

void write_new_token_map(const std::string& path, const std::vector<NewTokenEntry>& entries) {
  std::string out;
  for (const NewTokenEntry& e : entries) {
    out += e.to_json().dump();
    out += '\n';
  }
  write_file_atomically(path, out);
}

std::vector<NewTokenEntry> read_new_token_map(const std::string& path) {
  std::istringstream in(read_file(path));
  std::vector<NewTokenEntry> entries;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    try {
      entries.push_back(NewTokenEntry::from_json(nlohmann::json::parse(line)));
    } catch (const std::exception& e) {
      fail(path + ":" + std::to_string(number), e.what());
    }
  }
  return entries;
}

}  // namespace glossa
