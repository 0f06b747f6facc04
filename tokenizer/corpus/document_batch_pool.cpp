#include "tokenizer/corpus/document_batch_pool.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "base/error.h"

namespace glossa {

DocumentBatchPool::DocumentBatchPool(DocumentSource& source, BatchPoolOptions options,
                                     const JobControl& job)
    : source_(source), options_(std::move(options)), job_(job) {
  workers_ = options_.workers > 0 ? size_t(options_.workers)
                                  : std::max<size_t>(1, std::thread::hardware_concurrency());
}

bool DocumentBatchPool::read_batch(DocumentBatch* batch) {
  batch->number = batches_;
  batch->bytes = 0;
  batch->output.reset();
  // Documents are read into the batch's own slots: a recycled batch keeps its strings' memory,
  // so reading allocates (almost) nothing.
  size_t n = 0;
  while (batch->bytes < options_.batch_bytes && n < options_.batch_documents) {
    if (n == batch->documents.size()) batch->documents.emplace_back();
    Document& doc = batch->documents[n];
    if (!source_.next(&doc)) break;
    batch->bytes += doc.text.size();
    ++n;
  }
  batch->documents.resize(n);
  if (n == 0) return false;
  ++batches_;
  documents_ += batch->documents.size();
  bytes_ += batch->bytes;
  return true;
}

void DocumentBatchPool::report() const {
  JobProgress p;
  p.fraction = source_.progress();
  p.message = options_.verb + " " + std::to_string(documents_) + " documents, " +
              std::to_string(bytes_ >> 20) + " MiB of text";
  p.done = documents_;
  p.unit = "documents";
  job_.report(std::move(p));
}

void DocumentBatchPool::run(const Work& work, const Consume& consume) {
  if (workers_ == 1) {
    run_inline(work, consume);
  } else {
    run_threads(work, consume);
  }
  job_.check_cancelled();
}

void DocumentBatchPool::run_inline(const Work& work, const Consume& consume) {
  DocumentBatch batch;
  while (read_batch(&batch)) {
    job_.check_cancelled();
    work(0, batch);
    if (consume) consume(batch);
    report();
  }
}

// What the reader, the workers and the consumer share.
struct DocumentBatchPool::Exchange {
  std::mutex mutex;
  std::condition_variable changed;  // any of the fields below changed
  std::deque<DocumentBatch> todo;   // read, not yet taken by a worker
  std::map<uint64_t, DocumentBatch> done;  // processed, waiting for the consumer (by number)
  std::vector<DocumentBatch> spare;         // finished batches, reused by the reader
  size_t in_flight = 0;            // read and not yet consumed
  size_t max_in_flight = 1;
  uint64_t read = 0;               // batches read
  bool reading_done = false, stop = false;
  std::exception_ptr error;

  void fail(std::exception_ptr e) {
    std::lock_guard lock(mutex);
    if (!error) error = e;
    stop = true;
    changed.notify_all();
  }
};

void DocumentBatchPool::reader_loop(Exchange& x) {
  for (;;) {
    DocumentBatch batch;
    {
      std::lock_guard lock(x.mutex);
      if (!x.spare.empty()) {
        batch = std::move(x.spare.back());
        x.spare.pop_back();
      }
    }
    const bool more = !job_.cancelled() && read_batch(&batch);
    std::unique_lock lock(x.mutex);
    if (!more) break;
    x.changed.wait(lock, [&] { return x.stop || x.in_flight < x.max_in_flight; });
    if (x.stop) return;
    x.todo.push_back(std::move(batch));
    ++x.in_flight;
    ++x.read;
    x.changed.notify_all();
    lock.unlock();
    report();
  }
  std::lock_guard lock(x.mutex);
  x.reading_done = true;
  x.changed.notify_all();
}

void DocumentBatchPool::worker_loop(Exchange& x, size_t w, const Work& work, bool ordered) {
  for (;;) {
    DocumentBatch batch;
    {
      std::unique_lock lock(x.mutex);
      x.changed.wait(lock, [&] { return x.stop || !x.todo.empty() || x.reading_done; });
      if (x.stop || x.todo.empty()) return;
      batch = std::move(x.todo.front());
      x.todo.pop_front();
    }
    if (job_.cancelled()) throw CancelledError();
    work(w, batch);
    std::lock_guard lock(x.mutex);
    if (ordered) {
      x.done.emplace(batch.number, std::move(batch));
    } else {
      --x.in_flight;
      x.spare.push_back(std::move(batch));
    }
    x.changed.notify_all();
  }
}

// On the calling thread: consumes in read order, or (no consumer) waits for the end.
void DocumentBatchPool::consume_loop(Exchange& x, const Consume& consume) {
  for (uint64_t next = 0;;) {
    std::unique_lock lock(x.mutex);
    x.changed.wait(lock, [&] {
      return x.stop || x.done.count(next) ||
             (x.reading_done && x.todo.empty() && (consume ? next == x.read : x.in_flight == 0));
    });
    if (x.stop) return;
    const auto it = x.done.find(next);
    if (it == x.done.end()) return;  // everything read was consumed
    DocumentBatch batch = std::move(it->second);
    x.done.erase(it);
    lock.unlock();
    consume(batch);
    lock.lock();
    --x.in_flight;
    ++next;
    x.spare.push_back(std::move(batch));
    x.changed.notify_all();
  }
}

void DocumentBatchPool::run_threads(const Work& work, const Consume& consume) {
  Exchange x;
  x.max_in_flight = workers_ * options_.in_flight_per_worker + 1;
  const auto guarded = [&x](auto&& body) {
    try {
      body();
    } catch (...) {
      x.fail(std::current_exception());
    }
  };
  std::thread reader([&] { guarded([&] { reader_loop(x); }); });
  std::vector<std::thread> pool;
  for (size_t w = 0; w < workers_; ++w)
    pool.emplace_back([&, w] { guarded([&] { worker_loop(x, w, work, bool(consume)); }); });
  guarded([&] { consume_loop(x, consume); });
  {
    std::lock_guard lock(x.mutex);
    x.stop = true;  // releases a reader waiting for room and idle workers
    x.changed.notify_all();
  }
  reader.join();
  for (auto& t : pool) t.join();
  if (x.error) std::rethrow_exception(x.error);
}

bool LimitedSource::next(Document* doc) {
  if (limit_ > 0 && read_ >= limit_) return false;
  if (!inner_.next(doc)) return false;
  ++read_;
  return true;
}

double LimitedSource::progress() const {
  if (limit_ == 0) return inner_.progress();
  return std::max(inner_.progress(), double(read_) / double(limit_));
}

}  // namespace glossa
