// Data-parallel wiring for glossa-train (torch-free header): one c10d process group per run from
// the torchrun / SLURM environment, behind the trainer's GradientSync seam (docs/distributed.md).
#pragma once

#include <memory>
#include <string>

#include "training/run_environment.h"

namespace glossa {

class GradientSync;

// Joins the group of `env` (TCPStore rendezvous at MASTER_ADDR:MASTER_PORT; NCCL on CUDA
// devices, Gloo on CPU) and returns the trainer's gradient sync over it. `timeout_s` bounds the
// rendezvous and every collective, so a rank that died makes the others fail instead of hang.
// Throws Error naming the rank and the address when the rendezvous fails.
std::shared_ptr<GradientSync> make_gradient_sync(const RunEnvironment& env,
                                                 const std::string& device, int timeout_s);

}  // namespace glossa
