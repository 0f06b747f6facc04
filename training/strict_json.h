// Strict reading of a config object: every key read with a type check, keys nobody asked for
// refused, errors naming `where`, the key and the doc that lists the keys. Shared by the training
// configs (RUN.json, stage schedules). Torch-free.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "tokenizer/error.h"

namespace glossa {

class StrictJson {
 public:
  // doc: where the keys are documented, e.g. "docs/run-config.md".
  StrictJson(const nlohmann::json& json, std::string where, std::string doc)
      : json_(json), where_(std::move(where)), doc_(std::move(doc)) {
    if (!json_.is_object())
      fail(where_, "expected a JSON object, found " + std::string(json_.type_name()));
  }

  // Leaves `out` at its default when the key is absent.
  template <class T>
  void get(const char* key, T& out) {
    const nlohmann::json* v = raw(key);
    if (!v) return;
    try {
      check_type<T>(*v);
      out = v->get<T>();
    } catch (const std::exception& e) {
      fail(where_, "key '" + std::string(key) + "' has the wrong type (" + e.what() +
                       "; found " + v->dump() + ")");
    }
  }

  // The value of `key` (marked as read), or null when absent.
  const nlohmann::json* raw(const char* key) {
    seen_.insert(key);
    const auto it = json_.find(key);
    return it == json_.end() ? nullptr : &*it;
  }

  // Throws for the first key no get/raw asked for.
  void finish() const {
    for (const auto& [key, value] : json_.items())
      if (!seen_.count(key))
        fail(where_, "unknown key '" + key + "' (misspelt? see " + doc_ + ")");
  }

  const std::string& where() const { return where_; }

 private:
  // nlohmann converts silently between JSON numbers and booleans; configs must not.
  template <class T>
  static void check_type(const nlohmann::json& v) {
    if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_boolean()) throw std::invalid_argument("not a boolean");
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!v.is_number()) throw std::invalid_argument("not a number");
    } else if constexpr (std::is_unsigned_v<T>) {
      if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
        throw std::invalid_argument("not a non-negative integer");
    } else if constexpr (std::is_integral_v<T>) {
      if (!v.is_number_integer()) throw std::invalid_argument("not an integer");
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!v.is_string()) throw std::invalid_argument("not a string");
    }
    // Containers: nlohmann's get<T> checks their element types and throws type_error.
  }

  const nlohmann::json& json_;
  std::string where_;
  std::string doc_;
  std::set<std::string> seen_;
};

}  // namespace glossa
