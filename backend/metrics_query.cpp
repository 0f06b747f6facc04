#include "backend/metrics_query.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

namespace glossa::backend {
namespace {

// Step columns by series name. "lr" is the first parameter group's rate, in the order lr_json
// lists the groups (json_each walks an object in document order).
const std::vector<std::pair<std::string, std::string>>& step_columns() {
  static const std::vector<std::pair<std::string, std::string>> columns = {
      {"loss", "loss"},
      {"grad_norm", "grad_norm"},
      {"tokens_per_s", "tokens_per_s"},
      {"mfu", "mfu"},
      {"step_time_s", "step_time_s"},
      {"peak_mem_bytes", "peak_mem_bytes"},
      {"lr", "(SELECT value FROM json_each(lr_json) LIMIT 1)"}};
  return columns;
}

bool in_range(double x, const RangeQuery& r) {
  return (!r.from || x >= *r.from) && (!r.to || x <= *r.to);
}

// Index range [begin, end) of the rows in range when x is sorted (binary search), else the
// whole series with `sorted` false.
struct Span {
  size_t begin = 0, end = 0;
  bool sorted = true;
};

Span span_of(const SeriesColumns& s, const RangeQuery& r) {
  const std::vector<double>& x = s.x;
  if (!std::is_sorted(x.begin(), x.end())) return {0, x.size(), false};
  const auto lo = r.from ? std::lower_bound(x.begin(), x.end(), *r.from) : x.begin();
  const auto hi = r.to ? std::upper_bound(lo, x.end(), *r.to) : x.end();
  return {size_t(lo - x.begin()), size_t(hi - x.begin()), true};
}

}  // namespace

nlohmann::json Downsampled::to_json(int64_t run_id) const {
  return {{"id", run_id}, {"rows", rows}, {"x", x}, {"min", min}, {"max", max}, {"last", last}};
}

Downsampled downsample(const SeriesColumns& s, const RangeQuery& r) {
  const Span span = span_of(s, r);
  Downsampled out;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (size_t i = span.begin; i < span.end; ++i) {
    if (!span.sorted && !in_range(s.x[i], r)) continue;
    ++out.rows;
    lo = std::min(lo, s.x[i]);
    hi = std::max(hi, s.x[i]);
  }
  const bool every_row = out.rows <= r.max_points;
  const int64_t buckets = every_row ? out.rows : r.max_points;
  const double width = (hi - lo) / double(std::max<int64_t>(buckets, 1));
  // Per bucket: x of the last row, min, max, last; count 0 = empty.
  std::vector<double> bx(buckets), bmin(buckets), bmax(buckets), blast(buckets);
  std::vector<int64_t> count(buckets, 0);
  int64_t n = 0;
  for (size_t i = span.begin; i < span.end; ++i) {
    if (!span.sorted && !in_range(s.x[i], r)) continue;
    int64_t b = n++;  // every row its own "bucket" when they all fit
    if (!every_row)
      b = width > 0 ? std::min<int64_t>(buckets - 1, int64_t((s.x[i] - lo) / width)) : 0;
    const double v = s.value[i];
    if (count[b]++ == 0) bmin[b] = bmax[b] = v;
    bmin[b] = std::min(bmin[b], v);
    bmax[b] = std::max(bmax[b], v);
    bx[b] = s.x[i];
    blast[b] = v;
  }
  for (int64_t b = 0; b < buckets; ++b) {
    if (count[b] == 0) continue;
    out.x.push_back(bx[b]);
    out.min.push_back(bmin[b]);
    out.max.push_back(bmax[b]);
    out.last.push_back(blast[b]);
  }
  return out;
}

std::optional<SeriesName> parse_series(const std::string& series) {
  if (series.rfind("eval:", 0) == 0) {
    const size_t colon = series.rfind(':');
    SeriesName name;
    name.eval = true;
    name.set_or_task = series.substr(5, colon > 5 ? colon - 5 : 0);
    name.metric = series.substr(colon + 1);
    if (colon <= 5 || name.set_or_task.empty() || name.metric.empty()) return std::nullopt;
    return name;
  }
  for (const auto& [key, column] : step_columns())
    if (key == series) return SeriesName{false, column, "", ""};
  // lr:GROUP and grad_norm:GROUP: one parameter group's value from the step's JSON object. The
  // group name goes into SQL, so only the characters group names use are accepted.
  for (const char* json_series : {"lr", "grad_norm"}) {
    const std::string prefix = std::string(json_series) + ":";
    if (series.rfind(prefix, 0) != 0) continue;
    const std::string group = series.substr(prefix.size());
    const bool plain = !group.empty() && std::all_of(group.begin(), group.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
    });
    if (!plain) return std::nullopt;
    return SeriesName{false, "json_extract(" + std::string(json_series) + "_json, '$.\"" + group + "\"')", "", ""};
  }
  return std::nullopt;
}

std::optional<std::string> x_column(const std::string& x) {
  if (x == "step" || x == "tokens" || x == "time") return x;
  return std::nullopt;
}

std::vector<std::string> step_series_keys() {
  std::vector<std::string> keys;
  for (const auto& [key, column] : step_columns()) keys.push_back(key);
  return keys;
}

std::string step_series_names() {
  std::string out;
  for (const auto& [key, column] : step_columns()) out += key + ", ";
  return out + "or eval:SET_OR_TASK:METRIC";
}

}  // namespace glossa::backend
