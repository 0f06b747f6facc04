#include "jobs/option_schema.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "base/error.h"
#include "base/strict_json.h"

namespace glossa::jobs {

std::string OptionSpec::flag() const {
  if (!cli_flag.empty()) return cli_flag;
  std::string f = "--" + key;
  std::replace(f.begin(), f.end(), '_', '-');
  return f;
}

const char* option_type_name(OptionType type) {
  switch (type) {
    case OptionType::kString: return "string";
    case OptionType::kInt: return "integer";
    case OptionType::kNumber: return "number";
    case OptionType::kBool: return "boolean";
    case OptionType::kStringList: return "list of strings";
    case OptionType::kIntList: return "list of integers";
  }
  return "?";
}

nlohmann::json OptionSpec::to_json() const {
  nlohmann::json j = {{"key", key},           {"type", option_type_name(type)},
                      {"help", help},         {"default", default_value},
                      {"required", required}, {"positional", positional},
                      {"flag", positional ? "" : flag()}};
  if (check != PathCheck::kNone)
    j["check"] = check == PathCheck::kExistingFile ? "existing file" : "existing folder";
  if (!choices.empty()) j["choices"] = choices;
  if (min) j["min"] = *min;
  if (max) j["max"] = *max;
  return j;
}

OptionBuilder option(std::string key, OptionType type, std::string help) {
  OptionBuilder b;
  b.spec.key = std::move(key);
  b.spec.type = type;
  b.spec.help = std::move(help);
  return b;
}

std::string number_text(double v) {
  char text[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(text, sizeof text, "%lld", static_cast<long long>(v));  // 16777216, not 1.7e7
  } else {
    std::snprintf(text, sizeof text, "%g", v);
  }
  return text;
}

std::string OptionSpec::range_text() const {
  if (min && max) return "between " + number_text(*min) + " and " + number_text(*max);
  if (min) return "at least " + number_text(*min);
  if (max) return "at most " + number_text(*max);
  return "";
}

namespace {

nlohmann::json read_typed(const OptionSpec& spec, StrictJson& reader, const nlohmann::json& v) {
  switch (spec.type) {
    case OptionType::kString: return reader.convert<std::string>(spec.key, v);
    case OptionType::kInt: return reader.convert<int64_t>(spec.key, v);
    case OptionType::kNumber: return reader.convert<double>(spec.key, v);
    case OptionType::kBool: return reader.convert<bool>(spec.key, v);
    case OptionType::kStringList: return reader.convert<std::vector<std::string>>(spec.key, v);
    case OptionType::kIntList: return reader.convert<std::vector<int64_t>>(spec.key, v);
  }
  return v;
}

void check_value(const OptionSpec& spec, const StrictJson& reader, const nlohmann::json& v) {
  if (!spec.choices.empty() && v.is_string() &&
      std::find(spec.choices.begin(), spec.choices.end(), v.get<std::string>()) ==
          spec.choices.end()) {
    std::string list;
    for (const std::string& c : spec.choices) list += (list.empty() ? "" : ", ") + c;
    reader.fail_key(spec.key, "is " + v.dump() + "; expected one of " + list);
  }
  const auto check_number = [&](const nlohmann::json& n) {
    const double d = n.get<double>();
    if ((spec.min && d < *spec.min) || (spec.max && d > *spec.max))
      reader.fail_key(spec.key, "is " + n.dump() + "; it must be " + spec.range_text());
  };
  if (v.is_number()) check_number(v);
  if (v.is_array())
    for (const auto& element : v)
      if (element.is_number()) check_number(element);
}

void check_paths(const OptionSpec& spec, const StrictJson& reader, const nlohmann::json& v) {
  if (spec.check == PathCheck::kNone) return;
  const auto check_one = [&](const std::string& path) {
    std::error_code error;
    const auto status = std::filesystem::status(path, error);
    if (spec.check == PathCheck::kExistingFile && !std::filesystem::is_regular_file(status))
      reader.fail_key(spec.key, "names '" + path + "', which is not an existing file");
    if (spec.check == PathCheck::kExistingDir && !std::filesystem::is_directory(status))
      reader.fail_key(spec.key, "names '" + path + "', which is not an existing folder");
  };
  if (v.is_array()) {
    for (const auto& p : v) check_one(p.get<std::string>());
  } else {
    check_one(v.get<std::string>());
  }
}

}  // namespace

namespace {

nlohmann::json normalize(const OptionSchema& schema, const nlohmann::json& options,
                         const std::string& where, const std::string& doc) {
  StrictJson reader(options, where, doc);
  // Unknown keys first: a misspelt key is the likely reason a required one seems missing.
  for (const OptionSpec& spec : schema) reader.raw(spec.key.c_str());
  reader.finish();
  nlohmann::json out = nlohmann::json::object();
  for (const OptionSpec& spec : schema) {
    const nlohmann::json* given = reader.raw(spec.key.c_str());
    if (!given) {
      if (spec.required) reader.fail_key(spec.key, "is required: " + spec.help);
      if (!spec.default_value.is_null()) out[spec.key] = spec.default_value;
      continue;
    }
    nlohmann::json value = read_typed(spec, reader, *given);
    check_value(spec, reader, value);
    check_paths(spec, reader, value);
    out[spec.key] = std::move(value);
  }
  const auto given = [&](const std::string& key) {  // a flag set to false is not given
    return options.contains(key) && options.at(key) != nlohmann::json(false);
  };
  for (const OptionSpec& spec : schema)
    for (const std::string& other : spec.excludes)
      if (given(spec.key) && given(other))
        reader.fail_key(spec.key, "and '" + other + "' exclude each other: give one of them");
  return out;
}

}  // namespace

nlohmann::json normalize_options(const OptionSchema& schema, const nlohmann::json& options,
                                 const std::string& where, const std::string& doc) {
  try {
    return normalize(schema, options, where, doc);
  } catch (const OptionsError&) {
    throw;
  } catch (const Error& e) {
    throw OptionsError(e.what());  // the strict reader's words, as a mistake in the options
  }
}

std::string JobOptions::text(const std::string& key, const std::string& fallback) const {
  return has(key) ? json_.at(key).get<std::string>() : fallback;
}

int64_t JobOptions::integer(const std::string& key, int64_t fallback) const {
  return has(key) ? json_.at(key).get<int64_t>() : fallback;
}

double JobOptions::number(const std::string& key, double fallback) const {
  return has(key) ? json_.at(key).get<double>() : fallback;
}

bool JobOptions::flag(const std::string& key) const {
  return has(key) && json_.at(key).get<bool>();
}

std::vector<int64_t> JobOptions::integers(const std::string& key) const {
  return has(key) ? json_.at(key).get<std::vector<int64_t>>() : std::vector<int64_t>{};
}

std::vector<std::string> JobOptions::list(const std::string& key) const {
  return has(key) ? json_.at(key).get<std::vector<std::string>>() : std::vector<std::string>{};
}

}  // namespace glossa::jobs
