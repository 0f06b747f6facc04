#include "training/config/data_config.h"

#include <cmath>
#include <set>

#include "base/error.h"
#include "base/strict_json.h"

namespace glossa {
namespace {

using nlohmann::json;

constexpr const char* kDoc = "docs/training-data.md";

DataSource source_from_json(const json& j, const std::string& where) {
  StrictJson r(j, where, kDoc);
  DataSource s;
  r.require("prefix", s.prefix);
  r.get("weight", s.weight);
  s.name = s.prefix.substr(s.prefix.find_last_of('/') + 1);  // default: the file name part
  r.get("name", s.name);
  r.finish();
  return s;
}

OversampleConfig oversample_from_json(const json& j, const std::string& where) {
  OversampleConfig o;
  if (j.is_null()) return o;
  StrictJson r(j, where, kDoc);
  o.enabled = true;
  r.require("min_id", o.min_id);
  r.get("factor", o.factor);
  r.get("min_share", o.min_share);
  r.finish();
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
  StrictJson r(j, where, kDoc);
  DataConfig c;
  const json* sources = r.raw("sources");
  if (!sources || !sources->is_array())
    r.fail_key("sources", "must be a list of {prefix, weight, name}");
  for (size_t i = 0; i < sources->size(); ++i)
    c.sources.push_back(source_from_json((*sources)[i], r.at("sources[" + std::to_string(i) + "]")));
  r.get("seq_len", c.seq_len);
  r.get("seed", c.seed);
  r.get("pad_id", c.pad_id);
  if (const json* o = r.raw("oversample_new_tokens"))
    c.oversample_new_tokens = oversample_from_json(*o, r.at("oversample_new_tokens"));
  r.finish();
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
