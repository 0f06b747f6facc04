// Starting the glossa-train processes of one run (docs/backend.md, "Runs"): one process per local
// rank with torchrun's variables, each in its own session (POSIX_SPAWN_SETSID) so that it outlives
// the backend and no terminal signal of the backend's reaches it, its output appended to
// RUN_DIR/logs/rank-R.log. posix_spawn with an argument vector: no shell ever parses a path.
// Qt-free, torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace glossa::backend {

struct LaunchSpec {
  std::string program;      // absolute path of glossa-train
  std::string config_path;  // RUN.json the ranks read
  std::string run_dir;      // logs go to run_dir/logs/rank-R.log
  int64_t world_size = 1;   // processes, all on this machine (LOCAL_WORLD_SIZE = world_size)
  // Physical GPU indices to expose, one per rank; empty = leave CUDA_VISIBLE_DEVICES as the
  // backend has it. Every rank sees the whole list (CUDA_VISIBLE_DEVICES=a,b,...) and takes
  // cuda:LOCAL_RANK of it: glossa-train's NCCL group refuses LOCAL_RANK >= the visible device
  // count, so hiding all but one GPU per rank would break world sizes > 1, and NCCL finds
  // peer-to-peer paths only between devices a process can see.
  std::vector<int64_t> visible_gpus;
  bool resume = false;  // pass --resume
};

// Starts the ranks (rank 0 first) and returns their pids in rank order. When one cannot be
// started the ones already running are killed and Error says why (naming the program).
std::vector<int64_t> launch_ranks(const LaunchSpec& spec);


// Where rank `rank`'s output goes.
std::string rank_log_path(const std::string& run_dir, int64_t rank);

}  // namespace glossa::backend
