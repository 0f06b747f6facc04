// metrics.query and metrics.series (docs/protocol.md) over the runs the RunSupervisor knows: parameters checked, each
// run's series taken from the column cache (run_series_cache.h) and downsampled
// (metrics_query.h).
#include <cmath>

#include "backend/metrics_query.h"
#include "backend/run_series_cache.h"
#include "backend/run_supervisor.h"
#include "backend/run_watched.h"
#include "protocol/rpc_message.h"

namespace glossa::backend {
namespace {

using nlohmann::json;
using protocol::RpcException;

constexpr int64_t kMaxQueryPoints = 100000;
constexpr int64_t kDefaultQueryPoints = 2000;

[[noreturn]] void bad_param(const std::string& field, const std::string& expected) {
  throw RpcException(protocol::kInvalidParams, "metrics.query: '" + field + "' must be " + expected,
                     {{"field", field}, {"expected", expected}});
}

std::optional<double> bound(const json& params, const char* key) {
  if (!params.contains(key) || params.at(key).is_null()) return std::nullopt;
  if (!params.at(key).is_number()) bad_param(key, "a number");
  return params.at(key).get<double>();
}

RangeQuery range_of(const json& params) {
  RangeQuery range;
  range.from = bound(params, "from");
  range.to = bound(params, "to");
  if (params.contains("max_points")) {
    const json& m = params.at("max_points");
    if (!m.is_number_integer() || m.get<int64_t>() < 1 || m.get<int64_t>() > kMaxQueryPoints)
      bad_param("max_points", "an integer 1.." + std::to_string(kMaxQueryPoints));
    range.max_points = m.get<int64_t>();
  } else {
    range.max_points = kDefaultQueryPoints;
  }
  return range;
}

}  // namespace

std::pair<RunSupervisor::WatchedPtr, std::string> RunSupervisor::metrics_of(const json& id) const {
  if (!id.is_number_integer()) bad_param("runs", "an array of run ids");
  const WatchedPtr w = find(id.get<int64_t>());
  std::lock_guard lock(w->mutex);
  return {w, w->follower.metrics_path()};
}

json RunSupervisor::query_metrics(const json& params) {
  if (!params.is_object()) bad_param("runs", "an array of run ids");
  if (!params.contains("runs") || !params.at("runs").is_array())
    bad_param("runs", "an array of run ids");
  if (!params.contains("series") || !params.at("series").is_string())
    bad_param("series", step_series_names());
  const std::string series_text = params.at("series").get<std::string>();
  const std::optional<SeriesName> series = parse_series(series_text);
  if (!series) bad_param("series", step_series_names());
  const std::string x = params.contains("x") && params.at("x").is_string()
                            ? params.at("x").get<std::string>()
                            : (params.contains("x") ? "" : "step");
  if (!x_column(x)) bad_param("x", "\"step\", \"tokens\" or \"time\"");
  const RangeQuery range = range_of(params);

  json runs = json::array();
  for (const json& id_json : params.at("runs")) {
    const auto [w, path] = metrics_of(id_json);
    try {
      runs.push_back(cache_.query(id_json.get<int64_t>(), w->generation, path, *series, x, range)
                         .to_json(id_json.get<int64_t>()));
    } catch (const std::exception& e) {
      throw RpcException(protocol::kInternalError, e.what(), {{"run_dir", path}});
    }
  }
  return {{"series", series_text}, {"x", x}, {"runs", runs}};
}

json RunSupervisor::list_series(const json& params) {
  json runs = json::array();
  for (const json& id_json : params.at("runs")) {
    const std::string path = metrics_of(id_json).second;
    json names = json::array();
    for (const std::string& key : step_series_keys()) names.push_back(key);
    SeriesCatalog catalog;
    try {
      catalog = read_series_catalog(path);
    } catch (const std::exception& e) {
      throw RpcException(protocol::kInternalError, e.what(), {{"run_dir", path}});
    }
    for (const std::string& g : catalog.groups) names.push_back(g);
    for (const std::string& e : catalog.evals) names.push_back(e);
    runs.push_back({{"id", id_json}, {"series", names}, {"stages", catalog.stages}});
  }
  return {{"runs", runs}};
}

}  // namespace glossa::backend
