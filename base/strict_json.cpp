#include "base/strict_json.h"

#include <cmath>
#include <cstdio>

#include "base/error.h"

namespace glossa {

namespace strict_detail {

std::string integer_mismatch(const nlohmann::json& v, bool is_signed, long double lo,
                             long double hi) {
  const char* expected = is_signed ? "expected an integer" : "expected a non-negative integer";
  if (v.is_number_float()) {
    const double d = v.get<double>();
    return std::string(expected) +
           (std::isfinite(d) && d == std::floor(d) ? " written without a decimal point" : "");
  }
  if (!v.is_number_integer()) return expected;
  const long double value = v.is_number_unsigned()
                                ? static_cast<long double>(v.get<uint64_t>())
                                : static_cast<long double>(v.get<int64_t>());
  if (value < 0 && !is_signed) return expected;
  if (value < lo || value > hi) {
    char range[96];
    std::snprintf(range, sizeof range, "an integer from %.0Lf to %.0Lf", lo, hi);
    return "expected " + std::string(range);
  }
  return "";
}

}  // namespace strict_detail

StrictJson::StrictJson(const nlohmann::json& json, std::string where, std::string doc)
    : json_(json), where_(std::move(where)), doc_(std::move(doc)) {
  if (!json_.is_object())
    fail(where_, "expected a JSON object, found " + shown(json_) + " (keys: " + doc_ + ")");
}

const nlohmann::json* StrictJson::raw(const char* key) {
  seen_.insert(key);
  const auto it = json_.find(key);
  return it == json_.end() ? nullptr : &*it;
}

void StrictJson::finish() const {
  for (const auto& [key, value] : json_.items())
    if (!seen_.count(key))
      fail(where_, "unknown key '" + key + "' (misspelt? the keys are listed in " + doc_ + ")");
}

void StrictJson::fail_key(const std::string& key, const std::string& what) const {
  fail(where_, "key '" + key + "' " + what + " (keys: " + doc_ + ")");
}

std::string StrictJson::shown(const nlohmann::json& v) {
  std::string text = v.dump();
  constexpr size_t kMaxShown = 60;  // a long list in an error helps nobody
  if (text.size() > kMaxShown) text = text.substr(0, kMaxShown) + "...";
  return text;
}

}  // namespace glossa
