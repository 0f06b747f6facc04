#include "training/data/shard_dataset.h"

#include <algorithm>
#include <filesystem>

#include "base/error.h"
#include "base/file_util.h"

namespace glossa {
namespace {

namespace fs = std::filesystem;
constexpr const char* kHeldoutSuffix = "_heldout";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int64_t int_or(const nlohmann::json& j, const char* key, int64_t fallback) {
  return j.is_object() && j.contains(key) && j.at(key).is_number_integer()
             ? j.at(key).get<int64_t>()
             : fallback;
}

}  // namespace

ShardDataset::ShardDataset(std::string name, std::string prefix, int64_t model_vocab_size)
    : name_(std::move(name)), prefix_(std::move(prefix)) {
  const std::string where = "data source '" + name_ + "' (" + prefix_ + ")";
  for (const char* ext : {".idx", ".bin"}) {
    if (!fs::exists(prefix_ + ext)) {
      fail(where, prefix_ + ext + " not found: pack the corpus first (glossa-cli pack --out " +
                      prefix_ + ") or correct the prefix (no .bin/.idx extension)");
    }
  }
  try {
    reader_ = std::make_unique<IndexedDatasetReader>(prefix_);
  } catch (const Error& e) {
    fail(where, e.what());
  }
  if (reader_->documents() == 0 || reader_->tokens() == 0) {
    fail(where, "the shard is empty (" + std::to_string(reader_->documents()) + " documents, " +
                    std::to_string(reader_->tokens()) +
                    " tokens): nothing to train or evaluate on");
  }
  read_manifest();
  check_vocabulary(model_vocab_size);
}

void ShardDataset::read_manifest() {
  std::string path = prefix_ + ".manifest.json";
  manifest_.part = "train";
  if (!fs::exists(path) && ends_with(prefix_, kHeldoutSuffix)) {
    path =
        prefix_.substr(0, prefix_.size() - std::string(kHeldoutSuffix).size()) + ".manifest.json";
    manifest_.part = "heldout";
  }
  if (!fs::exists(path)) return;
  const std::string where = "data source '" + name_ + "': " + path;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    fail(where, std::string("not valid JSON: ") + e.what());
  }
  const nlohmann::json part = j.value(manifest_.part, nlohmann::json());
  if (!part.is_object()) fail(where, "has no '" + manifest_.part + "' part for " + prefix_);
  const int64_t docs = int_or(part, "documents", -1), toks = int_or(part, "tokens", -1);
  if (docs != static_cast<int64_t>(documents()) || toks != static_cast<int64_t>(tokens())) {
    fail(where, "describes " + std::to_string(docs) + " documents / " + std::to_string(toks) +
                    " tokens but the shard holds " + std::to_string(documents()) + " / " +
                    std::to_string(tokens()) + ": the files come from different packing runs");
  }
  manifest_.present = true;
  manifest_.path = path;
  manifest_.bytes = int_or(part, "bytes", -1);
  const nlohmann::json tok = j.value("tokenizer", nlohmann::json::object());
  manifest_.vocab_size = int_or(tok, "vocab_size", -1);
  manifest_.bos_id = int_or(tok, "bos_id", -1);
  manifest_.eos_id = int_or(tok, "eos_id", -1);
  if (tok.is_object() && tok.contains("fingerprint") && tok.at("fingerprint").is_string())
    manifest_.tokenizer_fingerprint = tok.at("fingerprint").get<std::string>();
}

void ShardDataset::check_vocabulary(int64_t model_vocab_size) const {
  const std::string where = "data source '" + name_ + "' (" + prefix_ + ")";
  if (manifest_.vocab_size > 0) {
    if (manifest_.vocab_size > model_vocab_size) {
      fail(where, "packed with a tokenizer of " + std::to_string(manifest_.vocab_size) +
                      " pieces but the model has " + std::to_string(model_vocab_size) +
                      " embedding rows: resize the model's vocabulary to the tokenizer first");
    }
    return;
  }
  // No manifest: the ids themselves are the only evidence.
  std::vector<int32_t> ids;
  for (uint64_t i = 0; i < reader_->sequences(); ++i) {
    reader_->read_sequence(i, &ids);
    for (int32_t id : ids) {
      if (id < 0 || id >= model_vocab_size) {
        fail(where, "token id " + std::to_string(id) + " in sequence " + std::to_string(i) +
                        " is outside the model's vocabulary of " +
                        std::to_string(model_vocab_size) + ": resize the model or repack");
      }
    }
  }
}

int64_t ShardDataset::document_length(uint64_t j) const {
  int64_t n = 0;
  const int64_t end = reader_->document_start(j + 1);
  for (int64_t i = reader_->document_start(j); i < end; ++i) n += reader_->sequence_size(i);
  return n;
}

void ShardDataset::read_document(uint64_t j, std::vector<int32_t>* ids) const {
  ids->clear();
  const int64_t first = reader_->document_start(j), end = reader_->document_start(j + 1);
  if (end == first + 1) return reader_->read_sequence(first, ids);  // the packer's usual case
  std::vector<int32_t> part;
  for (int64_t i = first; i < end; ++i) {
    reader_->read_sequence(i, &part);
    ids->insert(ids->end(), part.begin(), part.end());
  }
}

std::vector<uint8_t> ShardDataset::documents_with_ids_from(int64_t min_id) const {
  std::vector<uint8_t> flags(documents(), 0);
  std::vector<int32_t> ids;
  for (uint64_t j = 0; j < documents(); ++j) {
    read_document(j, &ids);
    flags[j] = std::any_of(ids.begin(), ids.end(), [&](int32_t id) { return id >= min_id; });
  }
  return flags;
}

}  // namespace glossa
