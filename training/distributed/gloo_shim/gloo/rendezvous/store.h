// Declarations-only stand-in for Gloo's rendezvous store (see ../README.md): ProcessGroupGloo.hpp
// derives its (never instantiated here) GlooStore from it, so the overridden virtuals are
// declared. GLOO_STORE_HAS_STORE_V2 stays undefined: the v2 overrides are then not compiled.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace gloo::rendezvous {
class Store {
 public:
  virtual ~Store() = default;
  virtual void set(const std::string& key, const std::vector<char>& data) = 0;
  virtual std::vector<char> get(const std::string& key) = 0;
  virtual void wait(const std::vector<std::string>& keys) = 0;
  virtual void wait(const std::vector<std::string>& keys,
                    const std::chrono::milliseconds& timeout) = 0;
};
}  // namespace gloo::rendezvous
