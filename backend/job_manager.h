// Engine jobs under the backend (docs/backend.md, "Jobs"): every job of the job layer
// (jobs/job_registry.h) by name with its options JSON, checked before it is queued, run on a
// bounded pool of worker threads (the rest wait in a FIFO queue); the job layer itself puts the
// jobs that fork or need LibTorch in a glossa-worker child. Progress, warnings and the end of each
// job become notifications (job.state, job.progress, job.warning, job.finished, job.failed) and
// rows of the BackendStore, so `job.get` answers after a client missed them and after a restart.
// Cancelling stops a running job at its next check (a child is signalled); the job layer leaves
// no partial output. Qt-free.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "backend/backend_store.h"
#include "backend/event_sink.h"
#include "base/job_control.h"

namespace glossa::backend {

class JobManager {
 public:
  // Starts `workers` (>= 1) threads. Jobs the store lists as queued or running were left by a
  // backend that died: the caller marks them interrupted first (BackendStore).
  JobManager(BackendStore& store, int workers, EventSink sink);
  // Cancels every job, waits for the workers (running jobs end at their next cancellation check).
  ~JobManager();
  JobManager(const JobManager&) = delete;
  JobManager& operator=(const JobManager&) = delete;

  // Protocol handlers: params checked against the catalog; results per docs/protocol.md.
  // Errors: protocol::RpcException (kJobOptions naming the field, kNotFound, kInvalidState).
  nlohmann::json submit(const nlohmann::json& params);
  nlohmann::json list(const nlohmann::json& params) const;
  nlohmann::json get(const nlohmann::json& params) const;
  nlohmann::json cancel(const nlohmann::json& params);

  // Cancels every queued and running job (SIGTERM of the daemon) and waits for them to end.
  void cancel_all();

 private:
  struct Live {  // a queued or running job
    JobRow row;
    JobControl control;
  };
  void work();
  void run_one(int64_t id);
  void on_progress(int64_t id, const JobProgress& progress);
  void on_warning(int64_t id, const JobWarning& warning);
  void finish(int64_t id, const std::string& state, const nlohmann::json& result,
              const nlohmann::json& error);
  void publish_state(const JobRow& row);
  JobRow snapshot(int64_t id) const;  // live row, else the store's; RpcException kNotFound

  BackendStore& store_;
  EventSink sink_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<int64_t> queue_;
  std::map<int64_t, Live> live_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace glossa::backend
