// The document batch pool (tokenizer/corpus/document_batch_pool.h): every document processed once,
// by one worker; the consumer sees the batches in read order whatever the workers' timing; an
// error in a worker or a cancel stops the pool and comes back on the calling thread.
#include <QtTest>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "base/error.h"
#include "tokenizer/corpus/document_batch_pool.h"

using glossa::BatchPoolOptions;
using glossa::DocumentBatch;
using glossa::DocumentBatchPool;
using glossa::JobControl;
using glossa::VectorSource;

namespace {

std::vector<std::string> numbered(int n) {
  std::vector<std::string> texts;
  for (int i = 0; i < n; ++i) texts.push_back("document " + std::to_string(i));
  return texts;
}

BatchPoolOptions small_batches(int workers) {
  BatchPoolOptions o;
  o.workers = workers;
  o.batch_documents = 7;  // many batches, a short last one
  return o;
}

}  // namespace

class TestDocumentBatchPool : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void everyDocumentOnceInReadOrder_data() {
    QTest::addColumn<int>("workers");
    QTest::newRow("inline") << 1;
    QTest::newRow("3 workers") << 3;
  }
  void everyDocumentOnceInReadOrder() {
    QFETCH(int, workers);
    VectorSource source(numbered(1000));
    DocumentBatchPool pool(source, small_batches(workers), JobControl());
    std::mutex mutex;
    std::multiset<std::string> processed;
    std::set<size_t> worker_ids;
    std::vector<std::string> consumed;
    pool.run(
        [&](size_t w, DocumentBatch& batch) {
          // Uneven work, so batches finish out of order when there are workers.
          std::this_thread::sleep_for(std::chrono::microseconds(batch.number % 3 * 300));
          std::lock_guard lock(mutex);
          worker_ids.insert(w);
          for (const auto& d : batch.documents) processed.insert(d.text);
          batch.output = batch.documents.size();
        },
        [&](DocumentBatch& batch) {
          QCOMPARE(std::any_cast<size_t>(batch.output), batch.documents.size());
          for (const auto& d : batch.documents) consumed.push_back(d.text);
        });
    QCOMPARE(processed.size(), size_t(1000));
    QCOMPARE(std::set<std::string>(processed.begin(), processed.end()).size(), size_t(1000));
    QCOMPARE(consumed, numbered(1000));  // read order, whatever the workers did
    QCOMPARE(pool.documents(), uint64_t(1000));
    QVERIFY(*worker_ids.rbegin() < size_t(workers));
  }

  void aWorkersErrorStopsThePool() {
    VectorSource source(numbered(5000));
    DocumentBatchPool pool(source, small_batches(2), JobControl());
    std::atomic<int> batches{0};
    const auto run = [&] {
      pool.run([&](size_t, DocumentBatch& batch) {
        ++batches;
        if (batch.number == 10) glossa::fail("batch 10", "bad document");
      });
    };
    QVERIFY_THROWS_EXCEPTION(glossa::Error, run());
    QVERIFY(batches < 5000 / 7);  // it stopped early
  }

  void aCancelStopsReadingAndThrows() {
    VectorSource source(numbered(100000));
    const JobControl job;
    DocumentBatchPool pool(source, small_batches(2), job);
    std::atomic<int> batches{0};
    const auto run = [&] {
      pool.run([&](size_t, DocumentBatch&) {
        if (++batches == 5) job.cancel();
      });
    };
    QVERIFY_THROWS_EXCEPTION(glossa::CancelledError, run());
    QVERIFY(pool.documents() < 100000);
  }

  void anEmptySourceRunsNothing() {
    VectorSource source({});
    DocumentBatchPool pool(source, small_batches(2), JobControl());
    int calls = 0;
    pool.run([&](size_t, DocumentBatch&) { ++calls; });
    QCOMPARE(calls, 0);
  }

  void aLimitedSourceStopsAtItsLimit() {
    VectorSource inner(numbered(50));
    glossa::LimitedSource limited(inner, 20);
    glossa::Document doc;
    int n = 0;
    while (limited.next(&doc)) ++n;
    QCOMPARE(n, 20);
    QCOMPARE(limited.progress(), 1.0);
  }
};

QTEST_GUILESS_MAIN(TestDocumentBatchPool)
#include "test_document_batch_pool.moc"
