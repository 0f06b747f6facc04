// One run the RunSupervisor follows (internal to run_supervisor.cpp and run_watch.cpp): its store
// row as the supervisor keeps it current, the follower of its files, status.json as last read and
// which of its trainer pids have been seen ending. Guarded by its own mutex, taken after
// RunSupervisor::mutex_ when both are held.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "backend/backend_store.h"
#include "backend/run_follower.h"
#include "backend/run_supervisor.h"

namespace glossa::backend {

struct RunSupervisor::Watched {
  explicit Watched(RunRow r)
      : row(std::move(r)), follower(row.run_dir, row.owned ? row.world_size : 0) {}

  std::mutex mutex;
  RunRow row;                     // what the store holds (written back on every state change)
  RunFollower follower;           // offsets into metrics.sqlite and the rank logs
  nlohmann::json status;          // status.json as last read; null before
  std::set<int64_t> ended;        // pids seen ending: never asked about again (pids get reused)
  std::string rank0_end;          // how rank 0 ended when it was our child: "killed by signal 9"
  std::atomic<bool> done{false};  // terminal and no trainer left: no longer polled
  std::atomic<int64_t> generation{0};  // bumped when steps are written again (series cache)
  std::string last_poll_error;         // reported once on stderr
};

// True for the states a run does not leave by itself.
inline bool is_terminal_state(const std::string& state) {
  return state == "finished" || state == "stopped" || state == "failed";
}

}  // namespace glossa::backend
