#include "training/data/data_mixture.h"

#include <cmath>
#include <limits>

#include "base/error.h"

namespace glossa {
namespace {

// Label of the mixture's own stream in derive_seed (source streams use their index 0, 1, ...).
constexpr uint64_t kMixtureStream = std::numeric_limits<uint64_t>::max();

std::string hex(uint64_t v) {
  char buf[19];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

DataMixture::DataMixture(std::vector<std::shared_ptr<const ShardDataset>> sources,
                         const DataConfig& config)
    : sources_(std::move(sources)),
      seed_(config.seed),
      mixture_rng_(derive_seed(config.seed, kMixtureStream, 0)) {
  if (sources_.size() != config.sources.size()) fail("data mixture", "sources do not match config");
  plan_.resize(sources_.size());
  cursors_.resize(sources_.size());
  // A source's draw probability is weight / mean document length (with oversampling), so that
  // the expected share of TOKENS follows the weights whatever the sources' document lengths.
  double total_weight = 0, total_rate = 0;
  std::vector<double> rate(sources_.size());
  for (size_t s = 0; s < sources_.size(); ++s) {
    plan_source(static_cast<int>(s), config);
    const SourcePlan& p = plan_[s];
    const double f = p.factor;
    const double old_docs = static_cast<double>(p.documents - p.new_token_documents);
    const double old_tokens = static_cast<double>(p.tokens - p.new_token_tokens);
    const double mean_length =
        (old_tokens + f * p.new_token_tokens) / (old_docs + f * p.new_token_documents);
    rate[s] = config.sources[s].weight / mean_length;
    total_weight += config.sources[s].weight;
    total_rate += rate[s];
  }
  double running = 0;
  for (size_t s = 0; s < sources_.size(); ++s) {
    plan_[s].draw_probability = rate[s] / total_rate;
    plan_[s].token_share = config.sources[s].weight / total_weight;
    running += plan_[s].draw_probability;
    cumulative_.push_back(running);
  }
  cumulative_.back() = 1.0;  // rounding must never leave a draw u in [running, 1) unassigned
  for (size_t s = 0; s < sources_.size(); ++s) build_epoch(static_cast<int>(s));
}

void DataMixture::plan_source(int s, const DataConfig& config) {
  const ShardDataset& shard = *sources_[s];
  SourcePlan& p = plan_[s];
  p.name = shard.name();
  p.documents = shard.documents();
  p.tokens = shard.tokens();
  if (p.documents > std::numeric_limits<uint32_t>::max())
    fail("data source '" + p.name + "'", "more than 2^32 - 1 documents: split the shard");
  const OversampleConfig& o = config.oversample_new_tokens;
  if (!o.enabled) return;
  Cursor& c = cursors_[s];
  c.new_token = shard.documents_with_ids_from(o.min_id);
  for (uint64_t j = 0; j < p.documents; ++j) {
    if (!c.new_token[j]) continue;
    ++p.new_token_documents;
    p.new_token_tokens += shard.document_length(j);
  }
  p.factor = o.factor;
  const double t_new = static_cast<double>(p.new_token_tokens);
  const double t_old = static_cast<double>(p.tokens - p.new_token_tokens);
  if (o.min_share > 0 && t_new > 0) {
    // f * t_new / (f * t_new + t_old) >= min_share  <=>  f >= min_share * t_old / ((1 - m) t_new)
    p.factor = std::max(p.factor, o.min_share * t_old / ((1.0 - o.min_share) * t_new));
  }
  p.new_token_share = t_new > 0 ? p.factor * t_new / (p.factor * t_new + t_old) : 0.0;
}

// The documents of epoch `c.epoch` of source s: every document once, a new-token document
// floor(f) times plus once more with probability frac(f), then a Fisher-Yates shuffle; all draws
// from SeededRng(derive_seed(seed, s, epoch)).
void DataMixture::build_epoch(int s) {
  Cursor& c = cursors_[s];
  SeededRng rng(derive_seed(seed_, static_cast<uint64_t>(s), c.epoch));
  const double f = plan_[s].factor;
  const uint64_t whole = static_cast<uint64_t>(std::floor(f));
  const double fraction = f - std::floor(f);
  const uint64_t n = plan_[s].documents;
  c.order.clear();
  c.order.reserve(n + (whole - 1) * plan_[s].new_token_documents);
  for (uint64_t j = 0; j < n; ++j) {
    uint64_t copies = 1;
    if (!c.new_token.empty() && c.new_token[j]) {
      copies = whole;
      if (fraction > 0 && rng.uniform() < fraction) ++copies;
    }
    for (uint64_t k = 0; k < copies; ++k) c.order.push_back(static_cast<uint32_t>(j));
  }
  for (uint64_t i = c.order.size() - 1; i > 0; --i)
    std::swap(c.order[i], c.order[rng.below(i + 1)]);
}

DocumentRef DataMixture::next() {
  const double u = mixture_rng_.uniform();
  int s = 0;
  while (u >= cumulative_[s]) ++s;  // first source whose cumulative probability exceeds u
  Cursor& c = cursors_[s];
  if (c.next == c.order.size()) {
    ++c.epoch;
    c.next = 0;
    build_epoch(s);
  }
  return {s, c.order[c.next++]};
}

nlohmann::json DataMixture::state() const {
  nlohmann::json j;
  j["mixture_rng"] = hex(mixture_rng_.state());
  j["sources"] = nlohmann::json::array();
  for (const Cursor& c : cursors_) j["sources"].push_back({{"epoch", c.epoch}, {"next", c.next}});
  return j;
}

void DataMixture::restore(const nlohmann::json& state, const std::string& where) {
  try {
    const std::string rng = state.at("mixture_rng").get<std::string>();
    const nlohmann::json& sources = state.at("sources");
    if (sources.size() != cursors_.size())
      fail(where, "holds " + std::to_string(sources.size()) + " sources, the config has " +
                      std::to_string(cursors_.size()));
    mixture_rng_ = SeededRng(std::stoull(rng, nullptr, 16));
    for (size_t s = 0; s < cursors_.size(); ++s) {
      Cursor& c = cursors_[s];
      c.epoch = sources[s].at("epoch").get<uint64_t>();
      build_epoch(static_cast<int>(s));
      c.next = sources[s].at("next").get<uint64_t>();
      if (c.next > c.order.size())
        fail(where, "sources[" + std::to_string(s) + "].next = " + std::to_string(c.next) +
                        " is past the epoch's " + std::to_string(c.order.size()) + " documents");
    }
  } catch (const nlohmann::json::exception& e) {
    fail(where, std::string("malformed data position: ") + e.what());
  } catch (const std::logic_error& e) {  // std::stoull
    fail(where, std::string("malformed mixture_rng: ") + e.what());
  }
}

}  // namespace glossa
