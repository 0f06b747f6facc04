#include "tokenizer/corpus_scanner.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "tokenizer/corpus_reader.h"
#include "tokenizer/error.h"

namespace glossa {
namespace {

constexpr size_t kBatchBytes = size_t(1) << 20;  // hand documents to workers ~1 MiB at a time
constexpr size_t kBatchDocuments = 8192;         // ... or this many short ones
constexpr size_t kQueuedBatchesPerWorker = 2;    // bounds memory: ~2 MiB waiting per worker

using Batch = std::vector<std::string>;

// Bounded multi-consumer queue of batches; close() wakes everyone and lets workers drain it.
class BatchQueue {
 public:
  explicit BatchQueue(size_t capacity) : capacity_(capacity) {}

  // Blocks while full; returns false when the queue was aborted.
  bool push(Batch batch) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return queue_.size() < capacity_ || aborted_; });
    if (aborted_) return false;
    queue_.push_back(std::move(batch));
    not_empty_.notify_one();
    return true;
  }
  // Blocks while empty and open; returns false at the end (closed and drained, or aborted).
  bool pop(Batch* batch) {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !queue_.empty() || closed_ || aborted_; });
    if (aborted_ || queue_.empty()) return false;
    *batch = std::move(queue_.front());
    queue_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
  }
  void abort() {
    std::lock_guard lock(mutex_);
    aborted_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Batch> queue_;
  size_t capacity_;
  bool closed_ = false, aborted_ = false;
};

std::string progress_message(uint64_t documents, uint64_t bytes) {
  return "scanned " + std::to_string(documents) + " documents, " + std::to_string(bytes >> 20) +
         " MiB of text";
}

// Reads every document into batches; returns normally at the end of the source or when the
// queue was aborted (a worker failed).
void read_batches(DocumentSource& source, BatchQueue& queue, const JobControl& job) {
  Document doc;
  Batch batch;
  size_t batch_bytes = 0;
  uint64_t documents = 0, bytes = 0;
  while (source.next(&doc)) {
    ++documents;
    bytes += doc.text.size();
    batch_bytes += doc.text.size();
    batch.push_back(std::move(doc.text));
    doc.text = std::string();
    if (batch_bytes < kBatchBytes && batch.size() < kBatchDocuments) continue;
    job.check_cancelled();
    if (!queue.push(std::move(batch))) return;
    batch = Batch();
    batch_bytes = 0;
    job.report(source.progress(), progress_message(documents, bytes));
  }
  job.check_cancelled();
  if (!batch.empty()) queue.push(std::move(batch));
  job.report(1.0, progress_message(documents, bytes));
}

std::optional<CorpusReadStats> read_stats_of(const DocumentSource& source) {
  if (const auto* reader = dynamic_cast<const CorpusReader*>(&source)) return reader->stats();
  if (const auto* multi = dynamic_cast<const MultiFileSource*>(&source)) return multi->stats();
  return std::nullopt;
}

}  // namespace

CorpusStats scan_corpus(DocumentSource& source, ScriptClass target, int threads,
                        const JobControl& job) {
  const size_t workers =
      threads > 0 ? size_t(threads) : std::max(1u, std::thread::hardware_concurrency());
  BatchQueue queue(workers * kQueuedBatchesPerWorker);
  std::vector<CorpusStats> partial(workers, CorpusStats(target));
  std::mutex error_mutex;
  std::exception_ptr error;
  std::vector<std::thread> pool;
  for (size_t w = 0; w < workers; ++w) {
    pool.emplace_back([&, w] {
      try {
        Batch batch;
        CorpusStats& stats = partial[w];
        while (queue.pop(&batch)) {
          for (const std::string& text : batch) {
            const uint64_t hash = hash64(text);
            stats.hashes.prefetch(hash);  // arrives while the signals are computed
            stats.add_hashed(hash, compute_signals(text, target));
          }
        }
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        queue.abort();
      }
    });
  }
  try {
    read_batches(source, queue, job);
    queue.close();
  } catch (...) {
    queue.abort();
    for (auto& t : pool) t.join();
    throw;
  }
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);

  CorpusStats result = std::move(partial[0]);
  for (size_t w = 1; w < workers; ++w) {
    job.check_cancelled();
    result.merge(partial[w]);
  }
  result.read = read_stats_of(source);
  return result;
}

}  // namespace glossa
