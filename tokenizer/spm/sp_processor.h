// A loaded SentencePiece encoder (libsentencepiece) with errors that name the model file.
// Thread-safe for encoding: one instance may be shared by many threads.
#pragma once

#include <sentencepiece_processor.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/spm/sp_model.h"

namespace glossa {

class SpProcessor {
 public:
  // Loads and validates a .model file (see SpModel::load for the errors).
  static std::shared_ptr<const SpProcessor> load(const std::string& path);
  // Builds an encoder for a model held in memory (e.g. a merged model being curated).
  static std::shared_ptr<const SpProcessor> from_model(SpModel model, const std::string& origin);

  // Token ids of `text` exactly as SentencePiece encodes it (no BOS/EOS added).
  void encode(std::string_view text, std::vector<int>* ids) const;
  std::vector<int> encode(std::string_view text) const;
  std::vector<std::string> encode_pieces(std::string_view text) const;

  const SpModel& model() const { return model_; }
  const std::string& origin() const { return origin_; }
  int vocab_size() const { return model_.size(); }
  const sentencepiece::SentencePieceProcessor& raw() const { return processor_; }

 private:
  SpProcessor() = default;
  SpModel model_;
  std::string origin_;
  sentencepiece::SentencePieceProcessor processor_;
};

}  // namespace glossa
