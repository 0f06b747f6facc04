#include "tokenizer/corpus/corpus_scanner.h"

#include <map>
#include <mutex>
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

// The signal sums are floating point: a worker's running sum would depend on which batches it
// took. Each batch's sums (in document order) are taken out of the worker's statistics and added
// in read order at the end, so a rerun, or the backend and the CLI, give the same bits.
struct SignalSums {
  double share = 0, duplicate = 0, ngram = 0, word_length = 0;
};

SignalSums take_sums(CorpusStats& s) {
  const SignalSums out{s.sum_target_script_share, s.sum_duplicate_line_fraction,
                       s.sum_top_ngram_repetition, s.sum_mean_word_length};
  s.sum_target_script_share = s.sum_duplicate_line_fraction = 0;
  s.sum_top_ngram_repetition = s.sum_mean_word_length = 0;
  return out;
}

void add_in_order(CorpusStats& into, const std::map<uint64_t, SignalSums>& by_batch) {
  for (const auto& [number, b] : by_batch) {
    into.sum_target_script_share += b.share;
    into.sum_duplicate_line_fraction += b.duplicate;
    into.sum_top_ngram_repetition += b.ngram;
    into.sum_mean_word_length += b.word_length;
  }
}

}  // namespace

CorpusStats scan_corpus(DocumentSource& source, ScriptClass target, int threads,
                        const JobControl& job) {
  BatchPoolOptions options;
  options.workers = threads;
  options.verb = "scanned";
  DocumentBatchPool pool(source, options, job);
  std::vector<CorpusStats> partial(pool.workers(), CorpusStats(target));
  std::mutex sums_mutex;
  std::map<uint64_t, SignalSums> sums;  // by batch number
  pool.run([&](size_t w, DocumentBatch& batch) {
    CorpusStats& stats = partial[w];
    for (const Document& doc : batch.documents) {
      const uint64_t hash = hash64(doc.text);
      stats.hashes.prefetch(hash);  // arrives while the signals are computed
      stats.add_hashed(hash, compute_signals(doc.text, target));
    }
    const SignalSums batch_sums = take_sums(stats);
    std::lock_guard lock(sums_mutex);
    sums[batch.number] = batch_sums;
  });
  CorpusStats result = std::move(partial[0]);
  for (size_t w = 1; w < partial.size(); ++w) {
    job.check_cancelled();
    result.merge(partial[w]);
  }
  add_in_order(result, sums);
  result.read = read_stats_of(source);
  return result;
}

}  // namespace glossa
