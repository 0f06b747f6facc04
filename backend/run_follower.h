// Following one run directory (docs/backend.md, "Runs"): what changed since the last poll in
// status.json, metrics.sqlite (steps, evals, events) and the rank logs, as the rows the run.*
// notifications carry. The watcher thread of the RunSupervisor calls poll() every few tens of
// milliseconds. metrics.sqlite is read through statements that live for one call only, so no read
// transaction stays open between polls (it would keep the writer's WAL from being checkpointed);
// a file that does not exist yet is simply waited for. Qt-free, torch-free.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backend/run_log.h"
#include "training/metrics/metrics_store.h"

namespace glossa {
class SqliteDb;
}

namespace glossa::backend {

struct FollowUpdate {
  std::optional<nlohmann::json> status;  // status.json, when it changed since the last poll
  std::vector<nlohmann::json> steps;     // run.metrics rows in step order (NaN -> null)
  std::vector<nlohmann::json> evals;     // run.eval rows in id order
  std::vector<EventRecord> events;       // every new row of the events table, id order
  std::vector<std::pair<int64_t, std::vector<std::string>>> logs;  // (rank, new lines)
  bool rewritten = false;  // a step at or below one passed on before was written again
};

class RunFollower {
 public:
  // `log_ranks`: how many rank logs to follow (0 for attached runs: their logs are elsewhere).
  RunFollower(std::string run_dir, int64_t log_ranks);
  ~RunFollower();

  // Adoption and attach: skip everything there now; clients read history through
  // metrics.query and run.get, and only what is written from now on is passed on.
  void start_at_end();
  // Before a new attempt is spawned (start, resume): evals, events and logs continue from their
  // end; steps are passed on from `floor_step` + 1, but a step at or below the highest one in the
  // table only once the new attempt has written it again (its time >= since_time): the rows of
  // the previous attempt that a resumed run rewrites are not repeated, the rewritten ones are.
  void start_new_attempt(double since_time, int64_t floor_step);

  FollowUpdate poll();
  // Closes metrics.sqlite (a run that has ended keeps no file open); the next poll reopens it.
  void close_metrics();

  const std::string& run_dir() const { return run_dir_; }
  std::string metrics_path() const { return run_dir_ + "/metrics.sqlite"; }

 private:
  bool open_metrics();
  int64_t max_of(const char* sql);
  void read_steps(FollowUpdate& out);
  void read_evals(FollowUpdate& out);
  void read_events(FollowUpdate& out);
  std::optional<nlohmann::json> read_status_if_changed();

  struct FileStamp {
    ino_t inode = 0;
    off_t size = -1;
    int64_t mtime_ns = 0;
    bool operator==(const FileStamp&) const = default;
  };

  std::string run_dir_;
  std::unique_ptr<SqliteDb> db_;  // opened once metrics.sqlite exists
  bool tables_ = false;           // the writer has created its tables
  int64_t last_step_ = 0;         // highest step passed on (or skipped at adoption)
  int64_t rewrite_below_ = 0;     // steps <= this are the previous attempt's until rewritten
  double since_time_ = 0;         // ... which the new attempt does with time >= this
  int64_t last_eval_id_ = 0, last_event_id_ = 0;
  FileStamp status_stamp_;
  std::vector<RankLogReader> logs_;
};

// The step of the oldest checkpoint folder (checkpoints/step-XXXXXXXX) of a run, 0 when none: a
// resumed run continues from a checkpoint at or after it.
int64_t oldest_checkpoint_step(const std::string& run_dir);

}  // namespace glossa::backend
