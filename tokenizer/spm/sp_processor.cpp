#include "tokenizer/spm/sp_processor.h"

#include "tokenizer/spm/llama2c_tokenizer.h"

#include "base/error.h"
#include "base/file_util.h"

namespace glossa {

std::shared_ptr<const SpProcessor> SpProcessor::load(const std::string& path) {
  if (is_llama2c_tokenizer_path(path)) return from_model(load_llama2c_tokenizer(path), path);
  // One parse: the model SpModel::parse validates with SentencePiece is the one that encodes.
  std::shared_ptr<SpProcessor> processor(new SpProcessor());
  processor->model_ = SpModel::parse(read_file(path), path, &processor->processor_);
  processor->origin_ = path;
  return processor;
}

std::shared_ptr<const SpProcessor> SpProcessor::from_model(SpModel model,
                                                           const std::string& origin) {
  std::shared_ptr<SpProcessor> processor(new SpProcessor());
  processor->model_ = std::move(model);
  processor->origin_ = origin;
  const auto status = processor->processor_.LoadFromSerializedProto(processor->model_.serialize());
  if (!status.ok()) fail(origin, "SentencePiece refuses to load the model: " + status.ToString());
  return processor;
}

void SpProcessor::encode(std::string_view text, std::vector<int>* ids) const {
  const auto status = processor_.Encode(text, ids);
  if (!status.ok()) fail(origin_, "encoding failed: " + status.ToString());
}

std::vector<int> SpProcessor::encode(std::string_view text) const {
  std::vector<int> ids;
  encode(text, &ids);
  return ids;
}

std::vector<std::string> SpProcessor::encode_pieces(std::string_view text) const {
  std::vector<std::string> pieces;
  const auto status = processor_.Encode(text, &pieces);
  if (!status.ok()) fail(origin_, "encoding failed: " + status.ToString());
  return pieces;
}

}  // namespace glossa
