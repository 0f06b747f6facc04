// The backend's own store (docs/backend.md): one SQLite file, $XDG_DATA_HOME/glossa/backend.sqlite,
// holding every job (name, options, state, result, error, last log lines) and every run (its
// directory, trainer pids, state) so a restarted backend lists past jobs, marks interrupted ones
// and re-adopts running trainers. The runs' metrics stay in each run's metrics.sqlite. Thread-safe
// (one connection behind a mutex). Torch-free, Qt-free.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace glossa {
class SqliteDb;
}

namespace glossa::backend {

struct JobRow {
  int64_t id = 0;
  std::string name;            // job layer name ("corpus.stats")
  nlohmann::json options;      // as submitted (normalized by the job layer)
  std::string state;           // queued | running | finished | failed | cancelled | interrupted
  nlohmann::json progress;     // last JobProgress::to_json(), null before any
  nlohmann::json result;       // null unless finished
  nlohmann::json error;        // {"message", "detail"} when failed / interrupted; else null
  nlohmann::json log_tail;     // array of the last lines (progress phases, warnings)
  double created = 0, started = 0, finished = 0;  // Unix seconds; 0 = not yet

  nlohmann::json to_json() const;  // the protocol's JobInfo (docs/protocol.md)
};

struct RunRow {
  int64_t id = 0;
  std::string run_dir;          // absolute
  std::string config_path;      // RUN.json the trainers read ("" for attached runs)
  bool owned = true;            // started (or resumed) by a backend; false = attached read-only
  std::string state;            // starting | running | paused | stopping | finished | stopped |
                                // failed (status.json's states)
  int64_t world_size = 1;
  std::string device = "cpu";   // "cpu" or "cuda"
  std::vector<int64_t> gpus;    // local GPU indices, one rank each (device cuda)
  std::vector<int64_t> pids;    // one per local rank; empty when none is running
  nlohmann::json error;         // {"message", "log_tail"} when failed; else null
  double created = 0, finished = 0;

  nlohmann::json to_json() const;  // the protocol's RunInfo without live status
};

class BackendStore {
 public:
  // Opens or creates the file (and its folder, mode 0700). Throws Error naming the path.
  explicit BackendStore(const std::string& path);
  ~BackendStore();

  int64_t insert_job(JobRow row);  // returns the new id (row.id ignored)
  void update_job(const JobRow& row);
  std::optional<JobRow> job(int64_t id) const;
  std::vector<JobRow> jobs() const;  // id order
  // At start-up: jobs left queued or running by a backend that died become `interrupted`
  // (error says so). Returns how many.
  int64_t mark_interrupted_jobs();

  int64_t insert_run(RunRow row);
  void update_run(const RunRow& row);
  std::optional<RunRow> run(int64_t id) const;
  std::optional<RunRow> run_by_dir(const std::string& run_dir) const;
  std::vector<RunRow> runs() const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  mutable std::mutex mutex_;
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace glossa::backend
