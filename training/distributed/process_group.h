// The c10d process group of a data-parallel run (docs/distributed.md): rendezvous through a
// TCPStore served by rank 0 at MASTER_ADDR:MASTER_PORT, then Gloo (CPU tensors) or NCCL (CUDA
// tensors, one GPU per process). Engine-internal: exposes torch and c10d's Work.
//
// Every collective must be called by every rank in the same order (c10d matches them by
// position). Failures (a peer gone, a timeout) throw glossa::Error naming rank, backend and the
// collective.
#pragma once

#include "training/torch_core.h"

#include <chrono>
#include <memory>
#include <string>
#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <vector>

#include "training/config/run_environment.h"

namespace glossa {

struct ProcessGroupOptions {
  // "auto": NCCL when CUDA is available and LibTorch has NCCL, else Gloo; "gloo"; "nccl".
  std::string backend = "auto";
  // Seconds the rendezvous waits for every rank, and any single collective may take; a hung or
  // dead rank turns into an Error after this long instead of a hang.
  double timeout_s = 600;
};

class ProcessGroup {
 public:
  // Rendezvous + backend creation. world_size 1 needs no network (in-memory store). For NCCL
  // the current CUDA device becomes env.local_rank. Throws Error when the rendezvous times out
  // (wrong MASTER_ADDR/PORT, a rank never started) or the backend is unavailable.
  static std::shared_ptr<ProcessGroup> create(const RunEnvironment& env,
                                              const ProcessGroupOptions& options = {});

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  bool is_main() const { return rank_ == 0; }  // the rank that writes outputs
  const std::string& backend_name() const { return backend_name_; }
  // Where tensors given to collectives must live: CPU for Gloo, cuda:<local_rank> for NCCL.
  torch::Device device() const { return device_; }

  // Blocking collectives (tensors on device(), contiguous).
  void all_reduce_sum(torch::Tensor& tensor);
  void all_reduce_max(torch::Tensor& tensor);
  torch::Tensor all_gather(const torch::Tensor& tensor);  // (world_size, *tensor.shape)
  void broadcast(torch::Tensor& tensor, int root);
  void barrier();

  // Asynchronous collectives; finish each with wait(). `what` names it in errors.
  using Work = c10::intrusive_ptr<c10d::Work>;
  Work all_reduce_sum_async(torch::Tensor& tensor);
  // in: (world_size * S) -> out: (S), rank r receives the sum of every rank's r-th chunk.
  Work reduce_scatter_sum_async(torch::Tensor& out, torch::Tensor& in);
  // in: (S) -> out: (world_size * S), chunk r is rank r's input.
  Work all_gather_async(torch::Tensor& out, torch::Tensor& in);
  void wait(const Work& work, const std::string& what);

 private:
  ProcessGroup() = default;
  std::string where(const std::string& what) const;

  int rank_ = 0;
  int world_size_ = 1;
  std::string backend_name_;
  torch::Device device_ = torch::kCPU;
  std::chrono::milliseconds timeout_{600000};
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::Backend> backend_;
};

// Copies rank `root`'s values into every rank's tensors (at the start of a run, so every rank
// starts from the same parameters whatever its random init did).
void broadcast_tensors(ProcessGroup& group, const std::vector<torch::Tensor>& tensors,
                       int root = 0);


}  // namespace glossa
