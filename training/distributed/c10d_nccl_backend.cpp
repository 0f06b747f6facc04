// ProcessGroupNCCL needs CUDA's and NCCL's headers (the CUDA toolkit LibTorch's CMake already
// requires); without nccl.h this file builds a stub that reports NCCL as unavailable.
#include "base/error.h"
#include "training/distributed/c10d_backends.h"

#if defined(USE_C10D_NCCL) && __has_include(<nccl.h>)
#define GLOSSA_WITH_NCCL 1
#include <c10/cuda/CUDAFunctions.h>

#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace glossa {

#ifdef GLOSSA_WITH_NCCL
bool nccl_available() { return torch::cuda::is_available(); }

c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store,
                                                    int rank, int size, int local_rank,
                                                    std::chrono::milliseconds timeout) {
  if (!nccl_available())
    fail("process group", "backend 'nccl' needs a CUDA device; none is visible");
  if (local_rank >= static_cast<int>(torch::cuda::device_count()))
    fail("process group", "LOCAL_RANK " + std::to_string(local_rank) + " but only " +
                              std::to_string(torch::cuda::device_count()) +
                              " CUDA devices are visible (one process per GPU)");
  c10::cuda::set_device(static_cast<c10::DeviceIndex>(local_rank));
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, options);
}
#else
bool nccl_available() { return false; }

c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>&, int,
                                                    int, int, std::chrono::milliseconds) {
  fail("process group",
       "this build has no NCCL (nccl.h was not found at build time); use "
       "backend 'gloo' or rebuild with the CUDA toolkit and NCCL headers");
}
#endif

}  // namespace glossa
