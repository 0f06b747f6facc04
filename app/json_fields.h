// Reading a field of a backend message (nlohmann::json) into Qt values, tolerating absence and
// other types: the models show what the backend sent and leave the rest empty.
#pragma once

#include <QString>
#include <nlohmann/json.hpp>

namespace glossa::app {

// The string at j[key]; empty when absent or not a string.
inline QString json_text(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return {};
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? QString::fromStdString(it->get<std::string>()) : QString();
}

// The number at j[key]; `fallback` when absent or not a number.
inline double json_number(const nlohmann::json& j, const char* key, double fallback = -1) {
  if (!j.is_object()) return fallback;
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

}  // namespace glossa::app
