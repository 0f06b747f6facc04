// The columns metrics.query downsamples, kept in memory per (run, series, x axis) so that a plot
// asking again (zoom, pan, the next refresh of a live run) costs one bucketing pass in C++ instead
// of a scan of metrics.sqlite: a 1,000,000-step series to 2,000 points in a few milliseconds.
// Loaded incrementally (only steps above the last cached one are read), least recently used
// entries evicted beyond `max_entries` (16 bytes a row: 8 entries of 1M steps = 128 MB). A run
// whose steps were written again (a resume from a checkpoint) bumps its generation and its
// entries are loaded afresh. Evaluation series are small and read directly. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>

#include "backend/metrics_query.h"

namespace glossa::backend {

class RunSeriesCache {
 public:
  explicit RunSeriesCache(size_t max_entries = 8) : max_entries_(max_entries) {}

  // The downsampled series of one run. `metrics_path` may not exist yet (no rows). Throws Error
  // naming the file when SQLite fails.
  Downsampled query(int64_t run_id, int64_t generation, const std::string& metrics_path,
                    const SeriesName& series, const std::string& x, const RangeQuery& range);

  size_t entries() const;

 private:
  struct Entry {
    int64_t generation = 0;
    int64_t last_step = 0;  // steps <= this are loaded
    SeriesColumns columns;
    uint64_t used = 0;  // LRU clock
  };
  using Key = std::tuple<int64_t, std::string, std::string>;  // run, series SQL, x

  Entry& entry_for(const Key& key, int64_t generation);

  size_t max_entries_;
  mutable std::mutex mutex_;
  std::map<Key, Entry> entries_;
  uint64_t clock_ = 0;
};

// What metrics.series answers for one run, read in one pass over its metrics.sqlite (nothing
// is created; all empty before the first step):
struct SeriesCatalog {
  // "lr:GROUP" then "grad_norm:GROUP" for every parameter group a stage logged (read from each
  // stage's last step), groups in the order first seen.
  std::vector<std::string> groups;
  // "eval:SET_OR_TASK:METRIC" for every pair in the evals table, sorted.
  std::vector<std::string> evals;
  // Each stage's span in step order: {name, from: {step, tokens, time}, to: {...}} (its first
  // and last logged step), so a plot opened on a run's history draws its stage bands on any x.
  nlohmann::json stages;
};
SeriesCatalog read_series_catalog(const std::string& metrics_path);

}  // namespace glossa::backend
