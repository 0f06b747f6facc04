// Training runs under the backend (docs/backend.md, "Runs"): starts one glossa-train process per
// local rank in its own session (so it outlives the backend), steers it through the run's control
// channel (training/metrics/train_control.h), follows status.json, metrics.sqlite and the rank
// logs on a watcher thread and turns what changed into notifications (run.state, run.metrics,
// run.eval, run.stage, run.checkpoint, run.log). Runs persist in the BackendStore: a restarted
// backend re-adopts trainers that still run and marks runs whose trainers died `failed` (with the
// last lines of their log); those can be resumed from their last checkpoint. Runs of other
// launchers (torchrun, SLURM) can be attached read-only by their directory. Torch-free, Qt-free.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <thread>
#include <vector>

#include "backend/backend_store.h"
#include "backend/event_sink.h"
#include "backend/run_series_cache.h"

namespace glossa::backend {

struct FollowUpdate;  // run_follower.h

struct RunSupervisorOptions {
  std::string train_program;  // absolute path of glossa-train
  int poll_ms = 25;           // watcher period: bounds the latency of a metrics row to a client
  int log_tail_lines = 40;    // lines kept in a failed run's error and in run.get
};

class RunSupervisor {
 public:
  // Re-adopts the store's runs at once: live trainers are watched again (their stream goes on
  // from where the store's clients left it), dead ones are marked failed.
  RunSupervisor(BackendStore& store, RunSupervisorOptions options, EventSink sink);
  ~RunSupervisor();  // stops watching; never signals the trainers
  RunSupervisor(const RunSupervisor&) = delete;
  RunSupervisor& operator=(const RunSupervisor&) = delete;

  // Every method takes the request's params (already type-checked against the protocol catalog)
  // and returns the result object; errors are protocol::RpcException (kNotFound, kInvalidState,
  // kRunConfig naming the field, ...).
  nlohmann::json start(const nlohmann::json& params);   // run.start
  nlohmann::json plan(const nlohmann::json& params);    // run.plan (run_plan_report.h)
  nlohmann::json control(const nlohmann::json& params,  // run.pause / resume / checkpoint /
                         const std::string& command);   //   stop: "pause", ...
  nlohmann::json resume_from_checkpoint(const nlohmann::json& params);
  nlohmann::json attach(const nlohmann::json& params);         // run.attach
  nlohmann::json list(const nlohmann::json& params) const;     // run.list
  nlohmann::json get(const nlohmann::json& params) const;      // run.get
  nlohmann::json query_metrics(const nlohmann::json& params);  // metrics.query
  nlohmann::json list_series(const nlohmann::json& params);    // metrics.series

 private:
  struct Watched;  // one run being followed (run_watched.h: its row, follower, pids, status)
  using WatchedPtr = std::shared_ptr<Watched>;

  void watch_loop();
  void poll(Watched& w);  // w.mutex held (run_watch.cpp)
  bool trainers_alive(Watched& w);
  bool status_belongs(const Watched& w, const nlohmann::json& status) const;
  void apply_status(Watched& w);
  void mark_died(Watched& w);
  void publish_update(const Watched& w, FollowUpdate& update);
  void publish_state(const Watched& w);
  void publish(const std::string& method, nlohmann::json params, int64_t id, bool coalesce = false);

  WatchedPtr find(int64_t id) const;  // RpcException kNotFound
  // A run id of metrics.query / metrics.series: the run and its metrics.sqlite path.
  std::pair<WatchedPtr, std::string> metrics_of(const nlohmann::json& id) const;
  // The newest watched run of a directory, or null; mutex_ held.
  WatchedPtr find_dir(const std::string& run_dir) const;
  nlohmann::json info(const Watched& w) const;                 // RunInfo; w.mutex held
  std::vector<int64_t> spawn(const RunRow& row, bool resume);  // RpcException on failure
  std::vector<std::string> error_log_tail(const Watched& w) const;

  BackendStore& store_;
  RunSupervisorOptions options_;
  EventSink sink_;
  RunSeriesCache cache_;                   // metrics.query's columns (thread-safe on its own)
  mutable std::mutex mutex_;               // watched_, stopping_; taken before any Watched::mutex
  std::map<int64_t, WatchedPtr> watched_;  // every run of the store, by id
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread watcher_;
};

}  // namespace glossa::backend
