// Where this process sits in a (possibly) distributed run: rank and world size from torchrun's
// variables (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT), from
// SLURM's (SLURM_PROCID, SLURM_LOCALID, SLURM_NTASKS, SLURM_NODELIST, ...) or a single process.
// The parser takes a getenv-like function so that tests need no real environment. Torch-free.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace glossa {

struct RunEnvironment {
  std::string launcher = "single";  // "single", "torchrun" or "slurm": where the values came from
  int rank = 0;                     // global rank in [0, world_size)
  int local_rank = 0;               // rank on this node in [0, local_world_size): the GPU index
  int world_size = 1;               // processes in the run
  int local_world_size = 1;         // processes on this node
  std::string master_addr = "127.0.0.1";  // host of rank 0 (c10d TCP store / rendezvous)
  int master_port = 29500;                // its port

  bool distributed() const { return world_size > 1; }
  bool is_main() const { return rank == 0; }  // rank 0 writes metrics and checkpoints
  nlohmann::json to_json() const;
};

// Returns the value of an environment variable, or nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// torchrun when RANK or WORLD_SIZE is set, else SLURM when SLURM_PROCID is set, else a single
// process. MASTER_ADDR / MASTER_PORT override what SLURM implies in both cases. Throws Error
// naming the variable for non-numeric or inconsistent values (RANK >= WORLD_SIZE, ...).
RunEnvironment parse_run_environment(const EnvLookup& getenv);
RunEnvironment run_environment_from_process();  // parse_run_environment(std::getenv)

// The first host of a SLURM node list: "gpu[01-04,07]" -> "gpu01", "a1,b2" -> "a1",
// "n[3-4]-ib" -> "n3-ib". Throws Error for an empty or malformed list.
std::string first_slurm_host(const std::string& nodelist);

}  // namespace glossa
