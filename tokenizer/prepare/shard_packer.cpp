#include "tokenizer/prepare/shard_packer.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <unordered_map>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/strict_json.h"
#include "base/thread_limit.h"
#include "base/sha256.h"
#include "tokenizer/corpus/document_batch_pool.h"

namespace glossa {

namespace {

constexpr size_t kBatchDocuments = 256;          // documents handed to an encoder at once
constexpr size_t kBatchBytes = size_t(1) << 20;  // or fewer when they hold more text than this

enum class Part : uint8_t { kTrain, kHeldout, kDropped };

// The same documents encoded: ids of kept documents back to back (BOS/EOS included).
struct Encoded {
  std::vector<int32_t> ids;
  std::vector<uint32_t> lengths;  // tokens per document (0 for dropped ones)
  std::vector<uint64_t> bytes;
  std::vector<Part> parts;
};

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// The documents of a batch encoded, each assigned to train, held-out or dropped.
Encoded encode_batch(const SpProcessor& tokenizer, const DocumentBatch& batch,
                     const PackOptions& options, std::vector<int>* ids) {
  const SpSettings settings = tokenizer.model().settings();
  Encoded out;
  for (const Document& doc : batch.documents) {
    tokenizer.encode(doc.text, ids);
    out.bytes.push_back(doc.text.size());
    const Part part = int64_t(ids->size()) < options.min_tokens ? Part::kDropped
                      : is_heldout(options.seed, doc.text, options.heldout_fraction)
                          ? Part::kHeldout
                          : Part::kTrain;
    out.parts.push_back(part);
    if (part == Part::kDropped) {
      out.lengths.push_back(0);
      continue;
    }
    const size_t before = out.ids.size();
    if (options.prepend_bos) out.ids.push_back(settings.bos_id);
    out.ids.insert(out.ids.end(), ids->begin(), ids->end());
    if (options.append_eos) out.ids.push_back(settings.eos_id);
    out.lengths.push_back(uint32_t(out.ids.size() - before));
  }
  return out;
}

void check_ranges(const PackOptions& options) {
  const std::string where = "pack options";
  if (!(options.heldout_fraction >= 0.0 && options.heldout_fraction < 1.0))
    fail(where,
         "heldout_fraction must be in [0, 1), got " + std::to_string(options.heldout_fraction));
  if (options.threads < 0 || options.threads > kMaxThreads)
    fail(where, "threads is " + std::to_string(options.threads) + "; it must be between 0 and " +
                    std::to_string(kMaxThreads) + " (0 = all cores)");
  if (options.min_tokens < 0) fail(where, "min_tokens must be >= 0");
}

void validate(const SpProcessor& tokenizer, const PackOptions& options) {
  if (options.output_prefix.empty()) fail("pack options", "output_prefix is empty");
  check_ranges(options);
  const SpSettings settings = tokenizer.model().settings();
  if (options.append_eos && settings.eos_id < 0)
    fail(tokenizer.origin(), "the tokenizer has no EOS piece (eos_id -1): set append_eos false");
  if (options.prepend_bos && settings.bos_id < 0)
    fail(tokenizer.origin(), "the tokenizer has no BOS piece (bos_id -1): set prepend_bos false");
}

// The counts of a source in the report, added in order of first appearance.
PackSourceCounts& counts_of(const std::string& name, PackReport* report,
                            std::unordered_map<std::string, size_t>* index) {
  const auto [it, added] = index->emplace(name, report->sources.size());
  if (added) {
    report->sources.emplace_back();
    report->sources.back().source = name;
  }
  return report->sources[it->second];
}

// Writes a batch to the shards and adds it to the counts of each document's source.
void write_batch(const DocumentBatch& batch, const Encoded& encoded, IndexedDatasetWriter& train,
                 IndexedDatasetWriter* heldout, PackReport* report,
                 std::unordered_map<std::string, size_t>* index) {
  size_t at = 0;
  for (size_t k = 0; k < encoded.parts.size(); ++k) {
    PackSourceCounts& source = counts_of(batch.documents[k].source, report, index);
    const std::span<const int32_t> ids(encoded.ids.data() + at, encoded.lengths[k]);
    at += encoded.lengths[k];
    PackCounts* counts = &source.dropped;
    if (encoded.parts[k] == Part::kTrain) {
      train.add_document(ids);
      counts = &source.train;
    } else if (encoded.parts[k] == Part::kHeldout) {
      heldout->add_document(ids);
      counts = &source.heldout;
    }
    counts->documents += 1;
    counts->tokens += ids.size();
    counts->bytes += encoded.bytes[k];
  }
}

}  // namespace

bool is_heldout(uint64_t seed, std::string_view text, double fraction) {
  if (fraction <= 0.0) return false;
  Sha256 hash;
  char seed_bytes[8];
  for (int k = 0; k < 8; ++k) seed_bytes[k] = char((seed >> (8 * k)) & 0xff);
  hash.update(std::string_view(seed_bytes, 8));
  hash.update(text);
  const auto digest = hash.digest();
  uint64_t u = 0;
  for (int k = 0; k < 8; ++k) u = (u << 8) | digest[k];
  return double(u >> 11) * 0x1.0p-53 < fraction;
}

PackReport pack_corpus(const SpProcessor& tokenizer, DocumentSource& source,
                       const PackOptions& options, const JobControl& job) {
  validate(tokenizer, options);
  PackReport report;
  report.options = options;
  report.tokenizer_path = tokenizer.origin();
  report.tokenizer_fingerprint = tokenizer.model().fingerprint();
  report.vocab_size = tokenizer.vocab_size();
  report.dtype = dtype_for_vocab(report.vocab_size);
  report.bos_id = tokenizer.model().settings().bos_id;
  report.eos_id = tokenizer.model().settings().eos_id;
  report.train_prefix = options.output_prefix;
  IndexedDatasetWriter train(options.output_prefix, report.dtype);
  std::unique_ptr<IndexedDatasetWriter> heldout;
  if (options.heldout_fraction > 0.0) {
    report.heldout_prefix = options.output_prefix + "_heldout";
    heldout = std::make_unique<IndexedDatasetWriter>(report.heldout_prefix, report.dtype);
  }

  BatchPoolOptions pool_options;
  pool_options.workers = options.threads;
  pool_options.batch_documents = kBatchDocuments;
  pool_options.batch_bytes = kBatchBytes;
  pool_options.verb = "packed";
  DocumentBatchPool pool(source, pool_options, job);
  std::vector<std::vector<int>> scratch(pool.workers());  // encoder output, reused per worker
  std::unordered_map<std::string, size_t> source_index;  // name -> report.sources
  pool.run(
      [&](size_t w, DocumentBatch& batch) {
        batch.output = encode_batch(tokenizer, batch, options, &scratch[w]);
      },
      [&](DocumentBatch& batch) {  // in input order: the shards keep the corpus order
        write_batch(batch, std::any_cast<const Encoded&>(batch.output), train, heldout.get(),
                    &report, &source_index);
      });
  for (size_t k = 0; k < report.sources.size(); ++k) {
    report.train.add(report.sources[k].train);
    report.heldout.add(report.sources[k].heldout);
    report.dropped.add(report.sources[k].dropped);
  }
  report.created = utc_now();

  // Everything is complete under temporary names before anything gets its final name.
  train.close();
  if (heldout) heldout->close();
  AtomicFile manifest(options.output_prefix + ".manifest.json");
  manifest.write(report.to_json().dump(2) + "\n");
  manifest.close();
  train.commit();
  if (heldout) heldout->commit();
  manifest.commit();  // last: a manifest names complete shards
  job.report(1.0, "packed " + std::to_string(report.train.documents + report.heldout.documents) +
                      " documents, " +
                      std::to_string(report.train.tokens + report.heldout.tokens) + " tokens");
  return report;
}

// ---------------------------------------------------------------------------------------------
// JSON (docs/shards.md)

nlohmann::json PackOptions::to_json() const {
  return {{"output_prefix", output_prefix},
          {"append_eos", append_eos},
          {"prepend_bos", prepend_bos},
          {"heldout_fraction", heldout_fraction},
          {"seed", seed},
          {"threads", threads},
          {"min_tokens", min_tokens}};
}

PackOptions PackOptions::from_json(const nlohmann::json& json, const std::string& where) {
  StrictJson r(json, where, "docs/shards.md");
  PackOptions options;
  r.get("output_prefix", options.output_prefix);
  r.get("append_eos", options.append_eos);
  r.get("prepend_bos", options.prepend_bos);
  r.get("heldout_fraction", options.heldout_fraction);
  r.get("seed", options.seed);
  r.get("threads", options.threads);
  r.get("min_tokens", options.min_tokens);
  r.finish();
  check_ranges(options);
  return options;
}

void PackCounts::add(const PackCounts& other) {
  documents += other.documents;
  tokens += other.tokens;
  bytes += other.bytes;
}

nlohmann::json PackCounts::to_json() const {
  return {{"documents", documents}, {"tokens", tokens}, {"bytes", bytes}};
}

nlohmann::json PackReport::to_json() const {
  nlohmann::json sources_json = nlohmann::json::array();
  for (const auto& s : sources)
    sources_json.push_back({{"source", s.source},
                            {"train", s.train.to_json()},
                            {"heldout", s.heldout.to_json()},
                            {"dropped", s.dropped.to_json()}});
  auto shard = [this](const std::string& prefix, const PackCounts& counts) -> nlohmann::json {
    if (prefix.empty()) return nullptr;
    nlohmann::json j = counts.to_json();
    j["prefix"] = prefix;
    j["bin"] = prefix + ".bin";
    j["idx"] = prefix + ".idx";
    return j;
  };
  return {{"format", "glossa-token-shards"},
          {"version", 1},
          {"created", created},
          {"tokenizer",
           {{"path", tokenizer_path},
            {"fingerprint", tokenizer_fingerprint},
            {"vocab_size", vocab_size},
            {"bos_id", bos_id},
            {"eos_id", eos_id}}},
          {"dtype", dtype_name(dtype)},
          {"dtype_code", int(dtype)},
          {"prepend_bos", options.prepend_bos},
          {"append_eos", options.append_eos},
          {"train", shard(train_prefix, train)},
          {"heldout", shard(heldout_prefix, heldout)},
          {"dropped", dropped.to_json()},
          {"sources", sources_json},
          {"options", options.to_json()}};
}

}  // namespace glossa
