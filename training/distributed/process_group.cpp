#include "training/distributed/process_group.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <torch/csrc/distributed/c10d/HashStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "base/error.h"
#include "training/distributed/c10d_backends.h"

namespace glossa {

namespace {

// c10::Error's what() carries a C++ stack trace; users need the message only.
std::string message_of(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
  return e.what();
}

std::string choose_backend(const std::string& requested) {
  if (requested == "gloo" || requested == "nccl") return requested;
  if (requested == "auto") return nccl_available() ? "nccl" : "gloo";
  fail("process group", "unknown backend '" + requested + "' (expected auto, gloo or nccl)");
}

c10::intrusive_ptr<c10d::Store> rendezvous(const RunEnvironment& env,
                                           std::chrono::milliseconds timeout) {
  if (env.world_size == 1) return c10::make_intrusive<c10d::HashStore>();
  if (env.master_port <= 0 || env.master_port > 65535)
    fail("process group", "MASTER_PORT " + std::to_string(env.master_port) + " is not a port");
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(env.master_port);
  options.isServer = env.rank == 0;  // rank 0 serves the store, every rank connects to it
  options.numWorkers = static_cast<std::size_t>(env.world_size);
  options.waitWorkers = true;
  options.timeout = timeout;
  try {
    return c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
  } catch (const std::exception& e) {
    fail("process group rendezvous",
         "rank " + std::to_string(env.rank) + " of " + std::to_string(env.world_size) +
             " could not meet the others at " + env.master_addr + ":" +
             std::to_string(env.master_port) + " (" + message_of(e) +
             "); check MASTER_ADDR/MASTER_PORT, that every rank was started, and the firewall");
  }
}

}  // namespace

std::shared_ptr<ProcessGroup> ProcessGroup::create(const RunEnvironment& env,
                                                   const ProcessGroupOptions& options) {
  if (env.world_size < 1 || env.rank < 0 || env.rank >= env.world_size)
    fail("process group", "rank " + std::to_string(env.rank) + " is outside world size " +
                              std::to_string(env.world_size));
  if (options.timeout_s <= 0)
    fail("process group", "timeout_s must be > 0, found " + std::to_string(options.timeout_s));
  std::shared_ptr<ProcessGroup> group(new ProcessGroup());
  group->rank_ = env.rank;
  group->world_size_ = env.world_size;
  group->backend_name_ = choose_backend(options.backend);
  group->timeout_ = std::chrono::milliseconds(static_cast<int64_t>(options.timeout_s * 1000));
  group->store_ = rendezvous(env, group->timeout_);
  try {
    if (group->backend_name_ == "nccl") {
      group->backend_ = make_nccl_backend(group->store_, env.rank, env.world_size, env.local_rank,
                                          group->timeout_);
      group->device_ = torch::Device(torch::kCUDA, static_cast<int8_t>(env.local_rank));
    } else {
      group->backend_ = make_gloo_backend(group->store_, env.rank, env.world_size, group->timeout_);
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    fail(group->where("create"), message_of(e));
  }
  return group;
}

std::string ProcessGroup::where(const std::string& what) const {
  return "process group (rank " + std::to_string(rank_) + " of " + std::to_string(world_size_) +
         ", " + backend_name_ + "): " + what;
}

void ProcessGroup::wait(const Work& work, const std::string& what) {
  try {
    work->wait(timeout_);
  } catch (const std::exception& e) {
    char seconds[32];
    std::snprintf(seconds, sizeof(seconds), "%g", timeout_.count() / 1000.0);
    fail(where(what), message_of(e) + " (timeout " + seconds +
                          " s: another rank failed, stopped, or is slower than that)");
  }
}

ProcessGroup::Work ProcessGroup::all_reduce_sum_async(torch::Tensor& tensor) {
  std::vector<torch::Tensor> tensors{tensor};
  try {
    return backend_->allreduce(tensors, c10d::AllreduceOptions{});
  } catch (const std::exception& e) {
    fail(where("all_reduce"), message_of(e));
  }
}

ProcessGroup::Work ProcessGroup::reduce_scatter_sum_async(torch::Tensor& out, torch::Tensor& in) {
  if (in.numel() != out.numel() * world_size_)
    fail(where("reduce_scatter"), "input has " + std::to_string(in.numel()) +
                                      " elements, expected world_size x output = " +
                                      std::to_string(out.numel() * world_size_));
  try {
    return backend_->_reduce_scatter_base(out, in, c10d::ReduceScatterOptions{});
  } catch (const std::exception& e) {
    fail(where("reduce_scatter"), message_of(e));
  }
}

ProcessGroup::Work ProcessGroup::all_gather_async(torch::Tensor& out, torch::Tensor& in) {
  if (out.numel() != in.numel() * world_size_)
    fail(where("all_gather"), "output has " + std::to_string(out.numel()) +
                                  " elements, expected world_size x input = " +
                                  std::to_string(in.numel() * world_size_));
  try {
    return backend_->_allgather_base(out, in, c10d::AllgatherOptions{});
  } catch (const std::exception& e) {
    fail(where("all_gather"), message_of(e));
  }
}

void ProcessGroup::all_reduce_sum(torch::Tensor& tensor) {
  wait(all_reduce_sum_async(tensor), "all_reduce");
}

void ProcessGroup::all_reduce_max(torch::Tensor& tensor) {
  std::vector<torch::Tensor> tensors{tensor};
  c10d::AllreduceOptions options;
  options.reduceOp = c10d::ReduceOp::MAX;
  Work work;
  try {
    work = backend_->allreduce(tensors, options);
  } catch (const std::exception& e) {
    fail(where("all_reduce max"), message_of(e));
  }
  wait(work, "all_reduce max");
}

torch::Tensor ProcessGroup::all_gather(const torch::Tensor& tensor) {
  torch::Tensor in = tensor.contiguous();
  std::vector<int64_t> shape{world_size_};
  for (int64_t d : in.sizes()) shape.push_back(d);
  torch::Tensor out = torch::empty(shape, in.options());
  torch::Tensor flat_in = in.view({-1});
  torch::Tensor flat_out = out.view({-1});
  wait(all_gather_async(flat_out, flat_in), "all_gather");
  return out;
}

void ProcessGroup::broadcast(torch::Tensor& tensor, int root) {
  std::vector<torch::Tensor> tensors{tensor};
  c10d::BroadcastOptions options;
  options.rootRank = root;
  Work work;
  try {
    work = backend_->broadcast(tensors, options);
  } catch (const std::exception& e) {
    fail(where("broadcast"), message_of(e));
  }
  wait(work, "broadcast");
}

void ProcessGroup::barrier() {
  Work work;
  try {
    work = backend_->barrier(c10d::BarrierOptions{});
  } catch (const std::exception& e) {
    fail(where("barrier"), message_of(e));
  }
  wait(work, "barrier");
}

void broadcast_tensors(ProcessGroup& group, const std::vector<torch::Tensor>& tensors, int root) {
  torch::NoGradGuard no_grad;
  for (const torch::Tensor& t : tensors) {
    // Collectives need contiguous tensors on the group's device; copy back when t is not one.
    torch::Tensor buffer = t.to(group.device()).contiguous();
    group.broadcast(buffer, root);
    if (!buffer.is_same(t)) t.copy_(buffer);
  }
}

}  // namespace glossa
