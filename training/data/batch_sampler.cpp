#include "training/data/batch_sampler.h"

#include <algorithm>

#include "base/error.h"

namespace glossa {
namespace {

constexpr const char* kStateFormat = "glossa-data-position";
constexpr int kStateVersion = 1;

std::vector<std::shared_ptr<const ShardDataset>> open_sources(const DataConfig& config,
                                                              int64_t model_vocab_size) {
  std::vector<std::shared_ptr<const ShardDataset>> shards;
  for (const DataSource& s : config.sources) {
    shards.push_back(std::make_shared<const ShardDataset>(s.name, s.prefix, model_vocab_size));
    const ShardManifest& a = shards.front()->manifest();
    const ShardManifest& b = shards.back()->manifest();
    if (!a.tokenizer_fingerprint.empty() && !b.tokenizer_fingerprint.empty() &&
        a.tokenizer_fingerprint != b.tokenizer_fingerprint) {
      fail("data source '" + s.name + "' (" + s.prefix + ")",
           "packed with a different tokenizer (fingerprint " + b.tokenizer_fingerprint +
               ") than source '" + config.sources[0].name + "' (" + a.tokenizer_fingerprint +
               "): repack every source with the same tokenizer");
    }
  }
  return shards;
}

}  // namespace

BatchSampler::BatchSampler(const DataConfig& config, int64_t model_vocab_size, int rank,
                           int world_size)
    : config_(config), rank_(rank), world_size_(world_size) {
  config_.validate();
  if (world_size < 1 || rank < 0 || rank >= world_size) {
    fail("batch sampler", "rank " + std::to_string(rank) + " of world size " +
                              std::to_string(world_size) + ": need 0 <= rank < world size");
  }
  if (config_.pad_id >= model_vocab_size)
    fail("data config", "'pad_id' " + std::to_string(config_.pad_id) +
                            " is outside the model's vocabulary of " +
                            std::to_string(model_vocab_size));
  mixture_ = std::make_unique<DataMixture>(open_sources(config_, model_vocab_size), config_);
  consumed_by_source_.assign(config_.sources.size(), 0);
  draw_document();
}

void BatchSampler::draw_document() {
  do {  // documents without tokens (possible with min_tokens = 0 and no EOS) add nothing
    current_ = mixture_->next();
    length_ = mixture_->source(current_.source).document_length(current_.document);
  } while (length_ == 0);
  offset_ = 0;
  loaded_ = false;
}

void BatchSampler::consume(int64_t n, int32_t* ids, int* sources) {
  while (n > 0) {
    const int64_t take = std::min(n, length_ - offset_);
    if (ids) {
      if (!loaded_) {
        mixture_->source(current_.source).read_document(current_.document, &tokens_);
        loaded_ = true;
      }
      std::copy_n(tokens_.begin() + offset_, take, ids);
      std::fill_n(sources, take, current_.source);
      ids += take;
      sources += take;
    }
    offset_ += take;
    n -= take;
    consumed_by_source_[current_.source] += take;
    stream_tokens_ += take;
    if (offset_ == length_) draw_document();
  }
}

Batch BatchSampler::next_batch(int64_t micro_batch) {
  if (micro_batch < 1)
    fail("batch sampler", "micro_batch must be >= 1, found " + std::to_string(micro_batch));
  const int64_t T = config_.seq_len;
  Batch batch;
  batch.B = micro_batch;
  batch.T = T;
  batch.inputs.resize(micro_batch * T);
  batch.targets.resize(micro_batch * T);
  batch.loss_mask.assign(micro_batch * T, 1);  // training windows are never padded
  batch.tokens_by_source.assign(config_.sources.size(), 0);
  std::vector<int32_t> window(T + 1);  // (T + 1) stream tokens
  std::vector<int> source(T + 1);      // the source of each
  for (int64_t i = 0; i < micro_batch * world_size_; ++i, ++windows_) {
    if (i % world_size_ != rank_) {
      consume(T, nullptr, nullptr);  // another rank's row: advance without reading
      continue;
    }
    consume(T, window.data(), source.data());
    if (!loaded_) {  // the shared last token starts the next window: peek, do not consume
      mixture_->source(current_.source).read_document(current_.document, &tokens_);
      loaded_ = true;
    }
    window[T] = tokens_[offset_];
    source[T] = current_.source;
    const int64_t row = i / world_size_;
    std::copy_n(window.begin(), T, batch.inputs.begin() + row * T);
    std::copy_n(window.begin() + 1, T, batch.targets.begin() + row * T);
    for (int64_t t = 1; t <= T; ++t) ++batch.tokens_by_source[source[t]];
  }
  return batch;
}

nlohmann::json BatchSampler::identity() const {
  nlohmann::json j = config_.to_json();
  j.erase("seq_len");  // may change between stages: the stream position does not depend on it
  j.erase("pad_id");
  return j;
}

nlohmann::json BatchSampler::state() const {
  nlohmann::json j = mixture_->state();
  j["format"] = kStateFormat;
  j["version"] = kStateVersion;
  j["config"] = identity();
  j["document"] = {{"source", current_.source},
                   {"index", current_.document},
                   {"offset", offset_},
                   {"length", length_}};
  j["windows"] = windows_;
  j["stream_tokens"] = stream_tokens_;
  j["consumed_by_source"] = consumed_by_source_;
  return j;
}

void BatchSampler::restore(const nlohmann::json& state) {
  const std::string where = "data position";
  try {
    if (state.value("format", "") != kStateFormat || state.value("version", 0) != kStateVersion)
      fail(where, std::string("not a ") + kStateFormat + " version 1 object");
    const nlohmann::json expected = identity();
    for (const auto& [key, value] : expected.items()) {
      if (state.at("config").value(key, nlohmann::json()) != value) {
        fail(where, "was saved with config '" + key +
                        "' = " + state.at("config").value(key, nlohmann::json()).dump() +
                        ", this sampler has " + value.dump() +
                        ": a position only continues the same sources, seed and oversampling");
      }
    }
    mixture_->restore(state, where);
    const nlohmann::json& d = state.at("document");
    current_.source = d.at("source").get<int>();
    current_.document = d.at("index").get<uint64_t>();
    offset_ = d.at("offset").get<int64_t>();
    if (current_.source < 0 || current_.source >= mixture_->source_count() ||
        current_.document >= mixture_->source(current_.source).documents())
      fail(where, "document " + d.dump() + " does not exist in these shards");
    length_ = mixture_->source(current_.source).document_length(current_.document);
    if (offset_ < 0 || offset_ >= length_ || d.value("length", length_) != length_)
      fail(where, "document " + d.dump() + " does not match the shard (length " +
                      std::to_string(length_) + "): the shards changed since it was saved");
    loaded_ = false;
    windows_ = state.at("windows").get<int64_t>();
    stream_tokens_ = state.at("stream_tokens").get<int64_t>();
    consumed_by_source_ = state.at("consumed_by_source").get<std::vector<int64_t>>();
    if (consumed_by_source_.size() != config_.sources.size())
      fail(where, "consumed_by_source has the wrong number of sources");
  } catch (const nlohmann::json::exception& e) {
    fail(where, std::string("malformed: ") + e.what());
  }
}

}  // namespace glossa
