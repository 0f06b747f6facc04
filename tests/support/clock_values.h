// Results of a job compared across runs (CLI vs job run, CLI vs backend) without the values that
// come from the clock: durations, rates, when a file was made. They differ on every run.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace glossa::test {

inline void drop_clock_values(nlohmann::json& j) {
  if (j.is_array()) {
    for (auto& e : j) drop_clock_values(e);
    return;
  }
  if (!j.is_object()) return;
  for (auto it = j.begin(); it != j.end();) {
    const std::string& k = it.key();
    const bool timing = k.find("seconds") != std::string::npos ||
                        k.find("per_second") != std::string::npos || k == "elapsed_ms" ||
                        k == "created";
    if (timing) {
      it = j.erase(it);
    } else {
      drop_clock_values(it.value());
      ++it;
    }
  }
}

}  // namespace glossa::test
