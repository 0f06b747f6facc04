#include "backend/run_series_cache.h"

#include <algorithm>

#include <sys/stat.h>

#include <cmath>

#include "base/sqlite_db.h"

namespace glossa::backend {
namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

bool has_table(SqliteDb& db, const char* name) {
  SqliteStatement q(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1");
  q.bind(1, std::string_view(name));
  return q.step() && q.column_int(0) == 1;
}

// Appends the rows with step > entry.last_step.
void load_steps(SqliteDb& db, const std::string& column, const std::string& x, int64_t& last_step,
                SeriesColumns& out) {
  SqliteStatement q(
      db, "SELECT step, " + x + ", " + column + " FROM steps WHERE step > ?1 ORDER BY step");
  q.bind(1, last_step);
  while (q.step()) {
    last_step = q.column_int(0);
    if (q.column_is_null(1) || q.column_is_null(2)) continue;
    const double v = q.column_double(2);
    if (!std::isfinite(v)) continue;
    out.x.push_back(q.column_double(1));
    out.value.push_back(v);
  }
}

// An evaluation series: x from the eval's step (tokens and time of that step; time falls back to
// the eval's own). A step evaluated twice (a resumed run passing it again) counts once, newest.
SeriesColumns load_evals(SqliteDb& db, const SeriesName& name, const std::string& x) {
  const std::string x_sql = x == "step"     ? "e.step"
                            : x == "tokens" ? "CASE WHEN e.step = 0 THEN 0 ELSE s.tokens END"
                                            : "coalesce(s.time, e.time)";
  SqliteStatement q(db, "SELECT e.step, " + x_sql +
                            ", e.value FROM evals e LEFT JOIN steps s ON s.step = e.step "
                            "WHERE e.set_or_task = ?1 AND e.metric = ?2 ORDER BY e.step, e.id");
  q.bind(1, name.set_or_task).bind(2, name.metric);
  SeriesColumns out;
  int64_t previous_step = -1;
  while (q.step()) {
    if (q.column_is_null(1) || q.column_is_null(2) || !std::isfinite(q.column_double(2))) continue;
    if (q.column_int(0) == previous_step) {  // same step again: keep the newer row
      out.x.pop_back();
      out.value.pop_back();
    }
    previous_step = q.column_int(0);
    out.x.push_back(q.column_double(1));
    out.value.push_back(q.column_double(2));
  }
  return out;
}

}  // namespace

RunSeriesCache::Entry& RunSeriesCache::entry_for(const Key& key, int64_t generation) {
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.generation != generation) {
    entries_.erase(it);
    it = entries_.end();
  }
  if (it == entries_.end()) {
    while (!entries_.empty() && entries_.size() >= max_entries_) {
      auto oldest = entries_.begin();
      for (auto e = entries_.begin(); e != entries_.end(); ++e)
        if (e->second.used < oldest->second.used) oldest = e;
      entries_.erase(oldest);
    }
    it = entries_.emplace(key, Entry{}).first;
    it->second.generation = generation;
  }
  it->second.used = ++clock_;
  return it->second;
}

Downsampled RunSeriesCache::query(int64_t run_id, int64_t generation,
                                  const std::string& metrics_path, const SeriesName& series,
                                  const std::string& x, const RangeQuery& range) {
  if (!exists(metrics_path)) return downsample({}, range);
  SqliteDb db(metrics_path);  // statements below live for this call only
  if (!has_table(db, "steps") || !has_table(db, "evals")) return downsample({}, range);
  if (series.eval) return downsample(load_evals(db, series, x), range);
  std::lock_guard lock(mutex_);
  Entry& entry = entry_for({run_id, series.column, x}, generation);
  load_steps(db, series.column, x, entry.last_step, entry.columns);
  return downsample(entry.columns, range);
}

size_t RunSeriesCache::entries() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

namespace {

// Each stage's span; `last_steps` gets every stage's last step (where its groups are read).
nlohmann::json read_stage_spans(SqliteDb& db, std::vector<int64_t>* last_steps) {
  nlohmann::json spans = nlohmann::json::array();
  // Stage names are unique in a schedule; a resumed run logs a stage's steps under the same name.
  SqliteStatement q(db,
                    "SELECT stage, MIN(step), MAX(step), MIN(tokens), MAX(tokens), MIN(time), MAX(time) "
                    "FROM steps GROUP BY stage ORDER BY MIN(step)");
  const auto number = [&q](int i) {
    return q.column_is_null(i) ? nlohmann::json() : nlohmann::json(q.column_double(i));
  };
  while (q.step()) {
    spans.push_back({{"name", q.column_text(0)},
                     {"from", {{"step", q.column_int(1)}, {"tokens", number(3)}, {"time", number(5)}}},
                     {"to", {{"step", q.column_int(2)}, {"tokens", number(4)}, {"time", number(6)}}}});
    last_steps->push_back(q.column_int(2));
  }
  return spans;
}

// lr:GROUP then grad_norm:GROUP for the groups of the given steps' lr_json, first seen first.
std::vector<std::string> read_group_series(SqliteDb& db, const std::vector<int64_t>& steps) {
  std::vector<std::string> groups;
  SqliteStatement q(db, "SELECT j.key FROM steps, json_each(steps.lr_json) j WHERE steps.step = ?1");
  for (const int64_t step : steps) {
    q.reset();
    q.bind(1, step);
    while (q.step())
      if (std::find(groups.begin(), groups.end(), q.column_text(0)) == groups.end())
        groups.push_back(q.column_text(0));
  }
  std::vector<std::string> names;
  for (const char* series : {"lr:", "grad_norm:"})
    for (const std::string& g : groups) names.push_back(series + g);
  return names;
}

}  // namespace

SeriesCatalog read_series_catalog(const std::string& metrics_path) {
  SeriesCatalog out;
  out.stages = nlohmann::json::array();
  struct stat st{};
  if (::stat(metrics_path.c_str(), &st) != 0) return out;
  SqliteDb db(metrics_path);
  if (has_table(db, "steps")) {
    std::vector<int64_t> last_steps;
    out.stages = read_stage_spans(db, &last_steps);
    out.groups = read_group_series(db, last_steps);
  }
  if (has_table(db, "evals")) {
    SqliteStatement q(db, "SELECT DISTINCT set_or_task, metric FROM evals ORDER BY set_or_task, metric");
    while (q.step()) out.evals.push_back("eval:" + q.column_text(0) + ":" + q.column_text(1));
  }
  return out;
}

}  // namespace glossa::backend
