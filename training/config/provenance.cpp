#include "training/config/provenance.h"

#include "base/error.h"

namespace glossa {

namespace {
const char* const kKinds[] = {"paper", "script", "default", "assumption", "reading"};
}

std::string provenance_kind(const std::string& value) {
  for (const char* kind : kKinds) {
    const std::string prefix = std::string(kind) + ": ";
    if (value.rfind(prefix, 0) == 0 && value.size() > prefix.size()) return kind;
  }
  return "";
}

Provenance provenance_from_json(const nlohmann::json& json, const std::set<std::string>& keys,
                                const std::string& where) {
  if (!json.is_object()) fail(where, "field 'provenance' must be an object of strings");
  Provenance out;
  for (const auto& [key, value] : json.items()) {
    if (!keys.count(key))
      fail(where, "provenance names '" + key + "', which is not a field here");
    if (!value.is_string() || provenance_kind(value.get<std::string>()).empty())
      fail(where, "provenance of '" + key +
                      "' must be \"KIND: reference\" with KIND paper, script, default, "
                      "assumption or reading");
    out[key] = value.get<std::string>();
  }
  return out;
}

}  // namespace glossa
