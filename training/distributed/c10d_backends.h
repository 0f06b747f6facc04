// Creation of c10d's Gloo and NCCL backends, each in its own translation unit because their
// headers need extra include paths (gloo_shim/) or CUDA + NCCL headers. Engine-internal; used
// by process_group.cpp only.
#pragma once

#include <chrono>
#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

namespace glossa {

// ProcessGroupGloo on the default device (the host's address, or the interfaces named in
// GLOO_SOCKET_IFNAME, like torch.distributed).
c10::intrusive_ptr<c10d::Backend> make_gloo_backend(const c10::intrusive_ptr<c10d::Store>& store,
                                                    int rank, int size,
                                                    std::chrono::milliseconds timeout);

// True when this build has ProcessGroupNCCL and a CUDA device is visible.
bool nccl_available();
// ProcessGroupNCCL on cuda:<local_rank> (made the current device). Throws Error when
// nccl_available() is false.
c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store,
                                                    int rank, int size, int local_rank,
                                                    std::chrono::milliseconds timeout);

}  // namespace glossa
