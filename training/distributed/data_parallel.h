// Data-parallel wiring for glossa-train (torch-free header): one c10d process group per run from
// the torchrun / SLURM environment (docs/distributed.md). The trainer takes it
// (Trainer::set_process_group) and builds each stage's gradient buckets and, for "zero1" stages,
// the sharded optimizer over it.
#pragma once

#include <memory>
#include <string>

#include "training/config/run_environment.h"

namespace glossa {

class ProcessGroup;

// Joins the group of `env` (TCPStore rendezvous at MASTER_ADDR:MASTER_PORT; NCCL on CUDA
// devices, Gloo on CPU). `timeout_s` bounds the rendezvous and every collective, so a rank that
// died makes the others fail instead of hang. Throws Error naming the rank and the address when
// the rendezvous fails.
std::shared_ptr<ProcessGroup> join_process_group(const RunEnvironment& env,
                                                 const std::string& device, int timeout_s);

}  // namespace glossa
