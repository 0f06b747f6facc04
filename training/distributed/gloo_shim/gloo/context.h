// Declarations-only stand-in for Gloo's context (see README.md): ProcessGroupGloo.hpp holds
// contexts by shared_ptr and calls setTimeout in an inline virtual that libtorch emits.
#pragma once

#include <chrono>

namespace gloo {
class Context {
 public:
  void setTimeout(std::chrono::milliseconds timeout);
};
}  // namespace gloo
