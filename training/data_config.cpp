#include "training/data_config.h"

#include <cmath>
#include <set>

#include "tokenizer/error.h"

namespace glossa {
namespace {

using nlohmann::json;

void require_object(const json& j, const std::string& where, const std::set<std::string>& allowed) {
  if (!j.is_object()) fail(where, "expected a JSON object, found " + std::string(j.type_name()));
  for (const auto& [key, value] : j.items()) {
    if (!allowed.count(key)) fail(where, "unknown key '" + key + "'");
  }
}

// Reads j[key] into `out` when present; a wrong type names the key.
template <typename T>
void read(const json& j, const std::string& key, const std::string& where, T* out) {
  if (!j.contains(key)) return;
  const json& v = j.at(key);
  bool ok = false;
  if constexpr (std::is_same_v<T, std::string>)
    ok = v.is_string();
  else if constexpr (std::is_same_v<T, double>)
    ok = v.is_number();
  else if constexpr (std::is_unsigned_v<T>)
    ok = v.is_number_unsigned();
  else if constexpr (std::is_integral_v<T>)
    ok = v.is_number_integer();
  if (!ok) fail(where, "key '" + key + "' has the wrong type (" + v.type_name() + ")");
  *out = v.get<T>();
}

DataSource source_from_json(const json& j, const std::string& where) {
  require_object(j, where, {"name", "prefix", "weight"});
  if (!j.contains("prefix")) fail(where, "missing key 'prefix'");
  DataSource s;
  read(j, "prefix", where, &s.prefix);
  read(j, "weight", where, &s.weight);
  s.name = s.prefix.substr(s.prefix.find_last_of('/') + 1);  // default: the file name part
  read(j, "name", where, &s.name);
  return s;
}

OversampleConfig oversample_from_json(const json& j, const std::string& where) {
  OversampleConfig o;
  if (j.is_null()) return o;
  require_object(j, where, {"min_id", "factor", "min_share"});
  if (!j.contains("min_id")) fail(where, "missing key 'min_id'");
  o.enabled = true;
  read(j, "min_id", where, &o.min_id);
  read(j, "factor", where, &o.factor);
  read(j, "min_share", where, &o.min_share);
  return o;
}

}  // namespace

void DataConfig::validate(const std::string& where) const {
  if (sources.empty()) fail(where, "'sources' is empty: name at least one shard prefix");
  std::set<std::string> names;
  for (size_t i = 0; i < sources.size(); ++i) {
    const DataSource& s = sources[i];
    const std::string at = where + ": sources[" + std::to_string(i) + "] ('" + s.name + "')";
    if (s.prefix.empty()) fail(at, "'prefix' is empty");
    if (!(s.weight > 0) || !std::isfinite(s.weight))
      fail(at, "'weight' must be a finite number > 0, found " + std::to_string(s.weight));
    if (!names.insert(s.name).second) fail(at, "duplicate source name; give each a unique 'name'");
  }
  if (seq_len < 1) fail(where, "'seq_len' must be >= 1, found " + std::to_string(seq_len));
  if (pad_id < 0) fail(where, "'pad_id' must be >= 0, found " + std::to_string(pad_id));
  const OversampleConfig& o = oversample_new_tokens;
  if (o.enabled) {
    const std::string at = where + ": oversample_new_tokens";
    if (o.min_id < 1) fail(at, "'min_id' must be >= 1 (the first new id)");
    if (!(o.factor >= 1.0) || !std::isfinite(o.factor))
      fail(at, "'factor' must be a finite number >= 1, found " + std::to_string(o.factor));
    if (!(o.min_share >= 0.0 && o.min_share < 1.0))
      fail(at, "'min_share' must be in [0, 1), found " + std::to_string(o.min_share));
  }
}

DataConfig DataConfig::from_json(const json& j, const std::string& where) {
  require_object(j, where, {"sources", "seq_len", "seed", "oversample_new_tokens", "pad_id"});
  DataConfig c;
  if (!j.contains("sources") || !j.at("sources").is_array())
    fail(where, "key 'sources' must be an array of {prefix, weight, name}");
  for (size_t i = 0; i < j.at("sources").size(); ++i) {
    c.sources.push_back(
        source_from_json(j.at("sources")[i], where + ": sources[" + std::to_string(i) + "]"));
  }
  read(j, "seq_len", where, &c.seq_len);
  read(j, "seed", where, &c.seed);
  read(j, "pad_id", where, &c.pad_id);
  if (j.contains("oversample_new_tokens")) {
    c.oversample_new_tokens =
        oversample_from_json(j.at("oversample_new_tokens"), where + ": oversample_new_tokens");
  }
  c.validate(where);
  return c;
}

nlohmann::json DataConfig::to_json() const {
  json j;
  j["sources"] = json::array();
  for (const DataSource& s : sources) {
    j["sources"].push_back({{"name", s.name}, {"prefix", s.prefix}, {"weight", s.weight}});
  }
  j["seq_len"] = seq_len;
  j["seed"] = seed;
  j["pad_id"] = pad_id;
  const OversampleConfig& o = oversample_new_tokens;
  j["oversample_new_tokens"] =
      o.enabled ? json{{"min_id", o.min_id}, {"factor", o.factor}, {"min_share", o.min_share}}
                : json(nullptr);
  return j;
}

}  // namespace glossa
