// Compiled with gloo_shim/ on the include path (training/CMakeLists.txt): the PyPI wheel ships
// ProcessGroupGloo.hpp without the Gloo headers it names (gloo_shim/README.md).
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>

#include "training/distributed/c10d_backends.h"

namespace glossa {

c10::intrusive_ptr<c10d::Backend> make_gloo_backend(const c10::intrusive_ptr<c10d::Store>& store,
                                                    int rank, int size,
                                                    std::chrono::milliseconds timeout) {
  auto options = c10d::ProcessGroupGloo::Options::create_default(timeout);
  options->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, options);
}

}  // namespace glossa
