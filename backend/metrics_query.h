// metrics.query's downsampling (docs/protocol.md): a series of (x, value) rows cut to at most
// max_points. When the rows with x in [from, to] are at most max_points, every row comes back
// with min == max == last == value; else the x range of those rows is cut into max_points buckets
// of equal width and each non-empty bucket gives the x of its last row, the min, the max and the
// value of its last row, so a spike between two plotted points still shows in min / max.
// Also the names a series may have. Qt-free, torch-free.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace glossa::backend {

// A series with its x column, in step order (x need not be sorted; it usually is).
struct SeriesColumns {
  std::vector<double> x;
  std::vector<double> value;  // finite: NULL / NaN rows are left out when loading
};

struct Downsampled {
  int64_t rows = 0;  // rows with x in range
  std::vector<double> x, min, max, last;

  nlohmann::json to_json(int64_t run_id) const;  // {"id", "rows", "x", "min", "max", "last"}
};

struct RangeQuery {
  std::optional<double> from, to;  // inclusive
  int64_t max_points = 2000;       // >= 1
};

Downsampled downsample(const SeriesColumns& series, const RangeQuery& range);

// What a series name means: a column of the steps table or "eval:SET_OR_TASK:METRIC".
struct SeriesName {
  bool eval = false;
  std::string column;               // step series: SQL expression over the steps table
  std::string set_or_task, metric;  // eval series
};

// nullopt for a name that is neither. Step series: loss, grad_norm, lr (the first group),
// tokens_per_s, mfu, step_time_s, peak_mem_bytes, and lr:GROUP / grad_norm:GROUP for one
// parameter group (names of letters, digits, '_', '.', '-').
std::optional<SeriesName> parse_series(const std::string& series);

// The SQL expression for an x axis of the steps table ("step", "tokens", "time"); nullopt else.
std::optional<std::string> x_column(const std::string& x);

// The step series names, for error messages.
std::string step_series_names();
// The same names, one each (metrics.series).
std::vector<std::string> step_series_keys();

}  // namespace glossa::backend
