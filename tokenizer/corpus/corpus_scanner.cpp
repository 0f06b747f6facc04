#include "tokenizer/corpus/corpus_scanner.h"

#include <vector>

#include "tokenizer/corpus/corpus_reader.h"
#include "tokenizer/corpus/document_batch_pool.h"
#include "base/error.h"

namespace glossa {
namespace {

std::optional<CorpusReadStats> read_stats_of(const DocumentSource& source) {
  if (const auto* reader = dynamic_cast<const CorpusReader*>(&source)) return reader->stats();
  if (const auto* multi = dynamic_cast<const MultiFileSource*>(&source)) return multi->stats();
  return std::nullopt;
}

}  // namespace

CorpusStats scan_corpus(DocumentSource& source, ScriptClass target, int threads,
                        const JobControl& job) {
  BatchPoolOptions options;
  options.workers = threads;
  options.verb = "scanned";
  DocumentBatchPool pool(source, options, job);
  std::vector<CorpusStats> partial(pool.workers(), CorpusStats(target));
  pool.run([&](size_t w, DocumentBatch& batch) {
    CorpusStats& stats = partial[w];
    for (const Document& doc : batch.documents) {
      const uint64_t hash = hash64(doc.text);
      stats.hashes.prefetch(hash);  // arrives while the signals are computed
      stats.add_hashed(hash, compute_signals(doc.text, target));
    }
  });
  CorpusStats result = std::move(partial[0]);
  for (size_t w = 1; w < partial.size(); ++w) {
    job.check_cancelled();
    result.merge(partial[w]);
  }
  result.read = read_stats_of(source);
  return result;
}

}  // namespace glossa
