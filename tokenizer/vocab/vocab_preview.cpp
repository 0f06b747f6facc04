#include "tokenizer/vocab/vocab_preview.h"

#include <algorithm>

#include "tokenizer/spm/fast_tokenizer_agreement.h"
#include "tokenizer/spm/sp_processor.h"
#include "tokenizer/vocab/new_token_map_builder.h"

namespace glossa {

namespace {

// A word's tokens, encoded alone: SentencePiece's dummy prefix stands for the space before it,
// as in the counter's segments (exact for the models memo_plan accepts: Llama's, LLäMmlein's).
uint32_t token_count(const SpProcessor& p, const std::string& word) {
  return uint32_t(p.encode(word).size());
}

std::vector<TokenSpan> spans(const SpProcessor& p, const SpModel& model, const std::string& text) {
  std::vector<TokenSpan> out;
  size_t at = 0;
  for (int id : p.encode(text)) {
    TokenSpan s;
    s.id = id;
    s.piece = model.piece(id).piece;
    // The piece's bytes in the text: "▁" stands for a space; byte pieces for one byte.
    std::string bytes = s.piece.rfind("<0x", 0) == 0 && s.piece.size() == 6 ? std::string(1, char(std::stoi(s.piece.substr(3, 2), nullptr, 16)))
                                                                            : piece_text(s.piece);
    size_t begin = at;
    if (!bytes.empty() && bytes[0] == ' ' && (at >= text.size() || text[at] != ' ')) bytes.erase(0, 1);  // dummy prefix
    s.begin = begin;
    s.end = std::min(text.size(), begin + bytes.size());
    at = s.end;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

VocabPreview::VocabPreview(SpModel base, const std::vector<std::string>& sample, ScorePolicy policy)
    : base_model_(std::move(base)), policy_(policy), merged_model_(base_model_) {
  base_ = SpProcessor::from_model(base_model_, "base");
  merged_ = base_;
  std::unordered_map<std::string, size_t> index;
  for (const std::string& doc : sample) {
    size_t i = 0;
    while (i < doc.size()) {
      while (i < doc.size() && (doc[i] == ' ' || doc[i] == '\n' || doc[i] == '\t' || doc[i] == '\r')) ++i;
      size_t j = i;
      while (j < doc.size() && doc[j] != ' ' && doc[j] != '\n' && doc[j] != '\t' && doc[j] != '\r') ++j;
      if (j > i) {
        auto [it, fresh] = index.emplace(doc.substr(i, j - i), words_.size());
        if (fresh) words_.push_back({it->first, 0, 0, 0});
        ++words_[it->second].count;
      }
      i = j;
    }
  }
  for (Word& w : words_) {
    w.base_tokens = w.merged_tokens = token_count(*base_, w.text);
    base_stats_.words += w.count;
    base_stats_.tokens += w.count * w.base_tokens;
  }
  merged_stats_ = base_stats_;
}

VocabPreview::~VocabPreview() = default;

void VocabPreview::rebuild(const std::vector<std::string>& included) {
  merged_model_ = base_model_;
  std::vector<Piece> pieces;
  for (const std::string& p : included) pieces.push_back({p, 0.0f, PieceType::kNormal});
  MergeOptions merge;
  merge.score_policy = policy_;
  append_pieces(merged_model_, pieces, merge);
  std::vector<Piece> chars;
  std::unordered_set<std::string> added_chars;
  for (const std::string& c : missing_piece_chars(merged_model_, base_model_.size())) {
    chars.push_back({c, 0.0f, PieceType::kNormal});
    added_chars.insert(c);
  }
  append_pieces(merged_model_, chars, merge);
  // Characters that came or went with their pieces change the words that hold them.
  for (const std::string& c : added_chars)
    if (!chars_.count(c)) changed_chars_.push_back(c);
  for (const std::string& c : chars_)
    if (!added_chars.count(c)) changed_chars_.push_back(c);
  chars_ = std::move(added_chars);
  merged_ = SpProcessor::from_model(merged_model_, "merged (preview)");
}

bool VocabPreview::touches(const Word& w, const std::vector<std::string>& changed) const {
  for (const std::string& text : changed)
    if (w.text.find(text) != std::string::npos) return true;
  return false;
}

const PreviewStats& VocabPreview::update(const std::vector<std::string>& included) {
  const std::unordered_set<std::string> now(included.begin(), included.end());
  // The text of every piece that came or went ("▁" dropped: words are stored without it).
  std::vector<std::string> changed;
  for (const std::string& p : now)
    if (!included_.count(p)) changed.push_back(piece_text(p));
  for (const std::string& p : included_)
    if (!now.count(p)) changed.push_back(piece_text(p));
  for (std::string& c : changed) c.erase(std::remove(c.begin(), c.end(), ' '), c.end());
  std::erase_if(changed, [](const std::string& c) { return c.empty(); });
  included_ = now;
  changed_chars_.clear();
  rebuild(included);
  changed.insert(changed.end(), changed_chars_.begin(), changed_chars_.end());
  // A piece's characters may come or go with it: a change of many pieces re-encodes everything.
  const bool all = changed.size() > 64;
  last_reencoded_ = 0;
  merged_stats_ = PreviewStats{};
  for (Word& w : words_) {
    if (all || touches(w, changed)) {
      w.merged_tokens = token_count(*merged_, w.text);
      ++last_reencoded_;
    }
    merged_stats_.words += w.count;
    merged_stats_.tokens += w.count * w.merged_tokens;
  }
  return merged_stats_;
}

double VocabPreview::length_ratio() const {
  return base_stats_.tokens ? double(merged_stats_.tokens) / double(base_stats_.tokens) : 1.0;
}

int VocabPreview::merged_size() const { return merged_model_.size(); }

std::vector<TokenSpan> VocabPreview::inspect_base(const std::string& text) const {
  return spans(*base_, base_model_, text);
}

std::vector<TokenSpan> VocabPreview::inspect_merged(const std::string& text) const {
  return spans(*merged_, merged_model_, text);
}

}  // namespace glossa
