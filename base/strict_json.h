// The one strict reader of options and configs from JSON (docs/jobs.md, "Options"): every key
// read with a type check, keys nobody asked for refused, errors naming `where` (the file or the
// object), the key and the doc that lists the keys. Integers must be JSON integers that fit the
// field (no 128.9 read as 128, no -1 read as 2^64-1); lists are checked element by element.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

namespace glossa {

namespace strict_detail {
template <class T>
struct is_vector : std::false_type {};
template <class E, class A>
struct is_vector<std::vector<E, A>> : std::true_type {};
template <class T>
struct is_std_array : std::false_type {};
template <class E, size_t N>
struct is_std_array<std::array<E, N>> : std::true_type {};
template <class T>
struct is_string_map : std::false_type {};
template <class V>
struct is_string_map<std::map<std::string, V>> : std::true_type {};

// What a JSON value must be to become a T, in words; empty when `v` fits.
std::string integer_mismatch(const nlohmann::json& v, bool is_signed, long double lo,
                             long double hi);

template <class T>
std::string mismatch(const nlohmann::json& v) {
  if constexpr (std::is_same_v<T, nlohmann::json>) {
    return "";
  } else if constexpr (std::is_same_v<T, bool>) {
    return v.is_boolean() ? "" : "expected true or false";
  } else if constexpr (std::is_floating_point_v<T>) {
    return v.is_number() ? "" : "expected a number";
  } else if constexpr (std::is_integral_v<T>) {
    return integer_mismatch(v, std::is_signed_v<T>,
                            static_cast<long double>(std::numeric_limits<T>::min()),
                            static_cast<long double>(std::numeric_limits<T>::max()));
  } else if constexpr (std::is_same_v<T, std::string>) {
    return v.is_string() ? "" : "expected a string";
  } else if constexpr (is_vector<T>::value) {
    if (!v.is_array()) return "expected a list";
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string inner = mismatch<typename T::value_type>(v[i]);
      if (!inner.empty()) return "element " + std::to_string(i) + ": " + inner;
    }
    return "";
  } else if constexpr (is_std_array<T>::value) {
    if (!v.is_array() || v.size() != std::tuple_size_v<T>)
      return "expected a list of " + std::to_string(std::tuple_size_v<T>);
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string inner = mismatch<typename T::value_type>(v[i]);
      if (!inner.empty()) return "element " + std::to_string(i) + ": " + inner;
    }
    return "";
  } else if constexpr (is_string_map<T>::value) {
    if (!v.is_object()) return "expected an object";
    for (const auto& [key, value] : v.items()) {
      const std::string inner = mismatch<typename T::mapped_type>(value);
      if (!inner.empty()) return "'" + key + "': " + inner;
    }
    return "";
  } else {
    static_assert(sizeof(T) == 0, "StrictJson: no strict rule for this type");
  }
}
}  // namespace strict_detail

class StrictJson {
 public:
  // where: the file or object read ("RUN.json: stages[2]"); doc: where its keys are documented
  // ("docs/run-config.md"). Throws Error when `json` is not an object.
  StrictJson(const nlohmann::json& json, std::string where, std::string doc);

  // Reads `key` into `out` when present; absent leaves `out` as it is (its default).
  template <class T>
  void get(const char* key, T& out) {
    if (const nlohmann::json* v = raw(key)) out = convert<T>(key, *v);
  }
  // An optional field: null (or absent) means "not set".
  template <class T>
  void get(const char* key, std::optional<T>& out) {
    if (const nlohmann::json* v = raw(key)) {
      if (v->is_null()) {
        out.reset();
      } else {
        out = convert<T>(key, *v);
      }
    }
  }
  // Same, but a missing key is an error.
  template <class T>
  void require(const char* key, T& out) {
    const nlohmann::json* v = raw(key);
    if (!v) fail_key(key, "is required");
    out = convert<T>(key, *v);
  }

  // The value of `key` (marked as read), or null when absent.
  const nlohmann::json* raw(const char* key);
  bool has(const char* key) const { return json_.contains(key); }

  // Throws for the first key nobody read: a misspelt key must not be silently ignored.
  void finish() const;

  // Throws Error "<where>: key '<key>' <what> (keys: <doc>)".
  [[noreturn]] void fail_key(const std::string& key, const std::string& what) const;

  const std::string& where() const { return where_; }
  const std::string& doc() const { return doc_; }
  // "<where>: <key>", the place to name for a nested object.
  std::string at(const std::string& key) const { return where_ + ": " + key; }

  // The value as a T, or an Error naming key and doc.
  template <class T>
  T convert(const std::string& key, const nlohmann::json& v) const {
    const std::string why = strict_detail::mismatch<T>(v);
    if (!why.empty()) fail_key(key, "has the wrong type: " + why + ", found " + shown(v));
    return v.get<T>();
  }

 private:
  static std::string shown(const nlohmann::json& v);

  const nlohmann::json& json_;
  std::string where_;
  std::string doc_;
  std::set<std::string> seen_;
};

}  // namespace glossa
