#include "tokenizer/shard_packer.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "tokenizer/error.h"
#include "tokenizer/sha256.h"

namespace glossa {

namespace {

constexpr size_t kBatchDocuments = 256;          // documents handed to an encoder at once
constexpr size_t kBatchBytes = size_t(1) << 20;  // or fewer when they hold more text than this

enum class Part : uint8_t { kTrain, kHeldout, kDropped };

// Documents as read, in input order.
struct Batch {
  uint64_t number = 0;
  std::vector<std::string> texts;
  std::vector<uint32_t> sources;  // index into the reader's list of source names
};

// The same documents encoded: ids of kept documents back to back (BOS/EOS included).
struct Encoded {
  std::vector<int32_t> ids;
  std::vector<uint32_t> lengths;  // tokens per document (0 for dropped ones)
  std::vector<uint64_t> bytes;
  std::vector<Part> parts;
  std::vector<uint32_t> sources;
};

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// Reader thread -> encoder threads -> the calling thread, which writes batches in input order.
// At most `max_in_flight` batches exist at once, so memory stays bounded whatever the corpus.
class Pipeline {
 public:
  Pipeline(const SpProcessor& tokenizer, DocumentSource& source, const PackOptions& options)
      : tokenizer_(tokenizer), source_(source), options_(options) {
    const SpSettings settings = tokenizer.model().settings();
    bos_ = settings.bos_id;
    eos_ = settings.eos_id;
    threads_ = options.threads > 0 ? options.threads
                                   : std::max(1, int(std::thread::hardware_concurrency()));
    max_in_flight_ = size_t(threads_) * 2 + 2;
  }
  ~Pipeline() { stop_and_join(); }

  void start() {
    reader_ = std::thread([this] { guarded([this] { read_loop(); }); });
    for (int t = 0; t < threads_; ++t)
      encoders_.emplace_back([this] { guarded([this] { encode_loop(); }); });
  }

  // Next batch in input order; nullopt at the end. Rethrows errors of the other threads;
  // throws CancelledError when the job is cancelled while waiting.
  std::optional<Encoded> next(const JobControl& job) {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (error_) std::rethrow_exception(error_);
      auto it = done_.find(next_number_);
      if (it != done_.end()) {
        Encoded batch = std::move(it->second);
        done_.erase(it);
        ++next_number_;
        --in_flight_;
        space_.notify_one();
        return batch;
      }
      if (reader_done_ && next_number_ == batches_read_) return std::nullopt;
      ready_.wait_for(lock, std::chrono::milliseconds(100));
      if (job.cancelled()) throw CancelledError();
    }
  }

  void stop_and_join() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    space_.notify_all();
    work_.notify_all();
    if (reader_.joinable()) reader_.join();
    for (auto& t : encoders_)
      if (t.joinable()) t.join();
    encoders_.clear();
  }

  double progress() const { return progress_.load(std::memory_order_relaxed); }
  const std::vector<std::string>& source_names() const { return source_names_; }  // after join

 private:
  template <typename F>
  void guarded(F body) {
    try {
      body();
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!error_) error_ = std::current_exception();
      stop_ = true;
      ready_.notify_all();
      work_.notify_all();
      space_.notify_all();
    }
  }

  uint32_t source_index(const std::string& name) {
    auto it = source_ids_.find(name);
    if (it != source_ids_.end()) return it->second;
    source_names_.push_back(name);
    return source_ids_[name] = uint32_t(source_names_.size() - 1);
  }

  void read_loop() {
    Document doc;
    bool more = true;
    for (uint64_t number = 0; more; ++number) {
      Batch batch;
      batch.number = number;
      size_t bytes = 0;
      while (batch.texts.size() < kBatchDocuments && bytes < kBatchBytes &&
             (more = source_.next(&doc))) {
        bytes += doc.text.size();
        batch.texts.push_back(std::move(doc.text));
        batch.sources.push_back(source_index(doc.source));
      }
      progress_.store(source_.progress(), std::memory_order_relaxed);
      std::unique_lock lock(mutex_);
      space_.wait(lock, [this] { return stop_ || in_flight_ < max_in_flight_; });
      if (stop_) return;
      if (!batch.texts.empty()) {
        todo_.push_back(std::move(batch));
        ++in_flight_;
        ++batches_read_;
        work_.notify_one();
      }
    }
    std::lock_guard lock(mutex_);
    reader_done_ = true;
    work_.notify_all();
    ready_.notify_all();
  }

  void encode_loop() {
    std::vector<int> ids;
    for (;;) {
      Batch batch;
      {
        std::unique_lock lock(mutex_);
        work_.wait(lock, [this] { return stop_ || !todo_.empty() || reader_done_; });
        if (stop_ || todo_.empty()) return;
        batch = std::move(todo_.front());
        todo_.pop_front();
      }
      Encoded out = encode(batch, &ids);
      std::lock_guard lock(mutex_);
      done_.emplace(batch.number, std::move(out));
      ready_.notify_all();
    }
  }

  Encoded encode(const Batch& batch, std::vector<int>* ids) const {
    Encoded out;
    out.sources = batch.sources;
    for (const std::string& text : batch.texts) {
      tokenizer_.encode(text, ids);
      out.bytes.push_back(text.size());
      const Part part = int64_t(ids->size()) < options_.min_tokens ? Part::kDropped
                        : is_heldout(options_.seed, text, options_.heldout_fraction)
                            ? Part::kHeldout
                            : Part::kTrain;
      out.parts.push_back(part);
      if (part == Part::kDropped) {
        out.lengths.push_back(0);
        continue;
      }
      const size_t before = out.ids.size();
      if (options_.prepend_bos) out.ids.push_back(bos_);
      out.ids.insert(out.ids.end(), ids->begin(), ids->end());
      if (options_.append_eos) out.ids.push_back(eos_);
      out.lengths.push_back(uint32_t(out.ids.size() - before));
    }
    return out;
  }

  const SpProcessor& tokenizer_;
  DocumentSource& source_;
  const PackOptions& options_;
  int bos_ = -1, eos_ = -1;
  int threads_ = 1;
  size_t max_in_flight_ = 4;

  std::mutex mutex_;
  std::condition_variable work_, ready_, space_;
  std::deque<Batch> todo_;
  std::map<uint64_t, Encoded> done_;
  size_t in_flight_ = 0;       // read and not yet handed to the writer
  uint64_t batches_read_ = 0;  // non-empty batches queued so far
  uint64_t next_number_ = 0;   // next batch the writer takes
  bool reader_done_ = false, stop_ = false;
  std::exception_ptr error_;

  std::thread reader_;
  std::vector<std::thread> encoders_;
  std::atomic<double> progress_{-1.0};
  std::vector<std::string> source_names_;  // reader thread only, until joined
  std::unordered_map<std::string, uint32_t> source_ids_;
};

void check_ranges(const PackOptions& options) {
  const std::string where = "pack options";
  if (!(options.heldout_fraction >= 0.0 && options.heldout_fraction < 1.0))
    fail(where,
         "heldout_fraction must be in [0, 1), got " + std::to_string(options.heldout_fraction));
  if (options.threads < 0) fail(where, "threads must be >= 0 (0 = all cores)");
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

// Writes a batch to the shards and adds it to the counts.
void write_batch(const Encoded& batch, IndexedDatasetWriter& train, IndexedDatasetWriter* heldout,
                 PackReport* report) {
  size_t at = 0;
  for (size_t k = 0; k < batch.parts.size(); ++k) {
    if (report->sources.size() <= batch.sources[k]) report->sources.resize(batch.sources[k] + 1);
    PackSourceCounts& source = report->sources[batch.sources[k]];
    const std::span<const int32_t> ids(batch.ids.data() + at, batch.lengths[k]);
    at += batch.lengths[k];
    PackCounts* counts = &source.dropped;
    if (batch.parts[k] == Part::kTrain) {
      train.add_document(ids);
      counts = &source.train;
    } else if (batch.parts[k] == Part::kHeldout) {
      heldout->add_document(ids);
      counts = &source.heldout;
    }
    counts->documents += 1;
    counts->tokens += ids.size();
    counts->bytes += batch.bytes[k];
  }
}

// Writes `bytes` to a temporary file beside `path`; returns its name (renamed by the caller).
std::string write_temp(const std::string& path, const std::string& bytes) {
  const std::string temp = path + ".partial-" + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, "cannot create " + temp + ": " + std::strerror(errno));
  const ssize_t n = ::write(fd, bytes.data(), bytes.size());
  const bool ok = n == ssize_t(bytes.size()) && ::fsync(fd) == 0;
  const std::string why = std::strerror(errno);
  if (::close(fd) != 0 || !ok) {
    ::unlink(temp.c_str());
    fail(path, "write failed (" + why + "); is the disk full?");
  }
  return temp;
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

  Pipeline pipeline(tokenizer, source, options);
  pipeline.start();
  uint64_t documents = 0, tokens = 0;
  while (auto batch = pipeline.next(job)) {
    write_batch(*batch, train, heldout.get(), &report);
    documents += batch->parts.size();
    tokens += batch->ids.size();
    job.check_cancelled();
    job.report(pipeline.progress(), "packed " + std::to_string(documents) + " documents, " +
                                        std::to_string(tokens) + " tokens");
  }
  pipeline.stop_and_join();
  const auto& names = pipeline.source_names();
  for (size_t k = 0; k < report.sources.size(); ++k) {
    report.sources[k].source = names[k];
    report.train.add(report.sources[k].train);
    report.heldout.add(report.sources[k].heldout);
    report.dropped.add(report.sources[k].dropped);
  }
  report.created = utc_now();

  // Everything is complete under temporary names before anything gets its final name.
  train.close();
  if (heldout) heldout->close();
  const std::string manifest = options.output_prefix + ".manifest.json";
  const std::string manifest_temp = write_temp(manifest, report.to_json().dump(2) + "\n");
  try {
    train.commit();
    if (heldout) heldout->commit();
    if (::rename(manifest_temp.c_str(), manifest.c_str()) != 0)
      fail(manifest, "could not rename " + manifest_temp + " into place: " + std::strerror(errno));
  } catch (...) {
    ::unlink(manifest_temp.c_str());
    throw;
  }
  job.report(1.0, "packed " + std::to_string(documents) + " documents, " + std::to_string(tokens) +
                      " tokens");
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

PackOptions PackOptions::from_json(const nlohmann::json& json) {
  const std::string where = "pack options";
  if (!json.is_object()) fail(where, "expected a JSON object, got " + json.dump());
  PackOptions options;
  for (const auto& [key, value] : json.items()) {
    try {
      if (key == "output_prefix")
        options.output_prefix = value.get<std::string>();
      else if (key == "append_eos")
        options.append_eos = value.get<bool>();
      else if (key == "prepend_bos")
        options.prepend_bos = value.get<bool>();
      else if (key == "heldout_fraction")
        options.heldout_fraction = value.get<double>();
      else if (key == "seed")
        options.seed = value.get<uint64_t>();
      else if (key == "threads")
        options.threads = value.get<int>();
      else if (key == "min_tokens")
        options.min_tokens = value.get<int>();
      else
        fail(where, "unknown key '" + key +
                        "' (known: output_prefix, append_eos, prepend_bos, heldout_fraction, "
                        "seed, threads, min_tokens)");
    } catch (const nlohmann::json::exception& e) {
      fail(where, "key '" + key + "' has the wrong type (" + value.dump() + "): " + e.what());
    }
  }
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
