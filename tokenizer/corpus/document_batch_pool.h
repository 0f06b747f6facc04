// The one way corpus jobs spread documents over threads (statistics, counting, packing, tokenizer
// analysis): a reader thread takes documents from a DocumentSource in batches (~1 MiB), worker
// threads process whole batches, and the calling thread may consume the processed batches in read
// order. At most a few batches per worker are in flight, so memory stays bounded whatever the
// corpus. With one worker everything runs on the calling thread: no threads at all.
// Errors of any thread stop the others and are rethrown on the calling thread; a cancelled job
// stops reading and throws CancelledError.
#pragma once

#include <any>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/job_control.h"
#include "tokenizer/corpus/document_source.h"

namespace glossa {

struct DocumentBatch {
  uint64_t number = 0;              // read order: 0, 1, 2, ...
  std::vector<Document> documents;  // whole documents, as the source gave them
  uint64_t bytes = 0;               // text bytes of the documents
  std::any output;                  // what the work made of it, for the consumer
};

struct BatchPoolOptions {
  int workers = 1;                       // processing threads; <= 0: one per core
  size_t batch_bytes = size_t(1) << 20;  // a batch closes at this many text bytes ...
  size_t batch_documents = 8192;         // ... or this many documents
  size_t in_flight_per_worker = 2;       // batches read ahead per worker (memory bound)
  std::string verb = "read";             // progress: "<verb> 12000 documents, 31 MiB"
};

class DocumentBatchPool {
 public:
  using Work = std::function<void(size_t worker, DocumentBatch& batch)>;
  using Consume = std::function<void(DocumentBatch& batch)>;

  DocumentBatchPool(DocumentSource& source, BatchPoolOptions options, const JobControl& job);

  // Reads the whole source; `work` runs on worker `worker` (0 <= worker < workers()), `consume`
  // (optional) on the calling thread in read order. Reports progress as batches are read.
  void run(const Work& work, const Consume& consume = {});

  size_t workers() const { return workers_; }
  uint64_t documents() const { return documents_; }  // read so far
  uint64_t bytes() const { return bytes_; }

 private:
  bool read_batch(DocumentBatch* batch);  // false at the end of the source
  void report() const;
  void run_inline(const Work& work, const Consume& consume);
  void run_threads(const Work& work, const Consume& consume);
  struct Exchange;  // the threads' shared queues (document_batch_pool.cpp)
  void reader_loop(Exchange& x);
  void worker_loop(Exchange& x, size_t worker, const Work& work, bool ordered);
  void consume_loop(Exchange& x, const Consume& consume);

  DocumentSource& source_;
  BatchPoolOptions options_;
  JobControl job_;
  size_t workers_ = 1;
  uint64_t documents_ = 0, bytes_ = 0, batches_ = 0;
};

// At most `limit` documents of another source (0 = all).
class LimitedSource : public DocumentSource {
 public:
  LimitedSource(DocumentSource& inner, uint64_t limit) : inner_(inner), limit_(limit) {}
  bool next(Document* doc) override;
  double progress() const override;

 private:
  DocumentSource& inner_;
  uint64_t limit_;
  uint64_t read_ = 0;
};

}  // namespace glossa
