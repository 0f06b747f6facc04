// The options of a job as a schema (docs/jobs.md): one list of fields per job from which the
// strict reader checks a JSON options object, fills the defaults, the CLI builds its flags and
// docs/jobs.md is checked. Keys are named like the CLI's flags: `--vocab-size` is `vocab_size`.
#pragma once

#include <nlohmann/json.hpp>

#include "base/error.h"
#include <optional>
#include <string>
#include <vector>

namespace glossa::jobs {

// Options a job cannot run with (unknown key, wrong type, out of range, missing, conflicting):
// the caller's mistake, found before anything runs. glossa-cli exits with status 2 for it.
class OptionsError : public Error {
 public:
  using Error::Error;
};

enum class OptionType {
  kString,      // a JSON string
  kInt,         // a JSON integer (64-bit)
  kNumber,      // any JSON number
  kBool,        // true / false; on the CLI a flag without a value
  kStringList,  // a list of strings; on the CLI the flag repeated (or split at a delimiter)
  kIntList,     // a list of integers; on the CLI the flag repeated
};

enum class PathCheck { kNone, kExistingFile, kExistingDir };

struct OptionSpec {
  std::string key;                        // JSON key; the CLI flag is --key with '_' -> '-'
  OptionType type = OptionType::kString;
  std::string help;                       // one line, for --help and docs/jobs.md
  nlohmann::json default_value = nullptr;  // filled in when absent; null: absent stays absent
  bool required = false;
  bool positional = false;                // CLI: given without a flag (corpus stats FILE...)
  PathCheck check = PathCheck::kNone;     // each path (or each list element) must exist
  std::vector<std::string> choices;       // allowed values of a string
  std::optional<double> min, max;         // allowed range of a number
  std::string cli_flag;                   // CLI spelling when not --key ("--held-out")
  char cli_delimiter = 0;                 // CLI: a list may also be given as "a,b,c"
  std::string env;                        // CLI: taken from this variable when not given
  std::vector<std::string> excludes;      // keys that may not be given together with this one

  std::string flag() const;  // the CLI flag, e.g. "--vocab-size"
  // "between 1 and 256", "at least 0", "at most 1"; empty without a range.
  std::string range_text() const;
  // {key, type, help, default, required, positional, check, choices, min, max, flag}: the schema
  // as `glossa-cli job list --json` shows it (and a client can build a form from).
  nlohmann::json to_json() const;
};

// A number as a user wrote it: integers without exponent or decimals (16777216), others %g.
std::string number_text(double v);

// "string", "integer", "number", "boolean", "list of strings", "list of integers".
const char* option_type_name(OptionType type);

// Fluent construction, so a job's schema reads as a table:
//   option("vocab_size", OptionType::kInt, "Pieces in the model").required().at_least(1)
struct OptionBuilder {
  OptionSpec spec;
  OptionBuilder& required() { spec.required = true; return *this; }
  OptionBuilder& positional() { spec.positional = true; return *this; }
  OptionBuilder& default_to(nlohmann::json v) { spec.default_value = std::move(v); return *this; }
  OptionBuilder& existing_file() { spec.check = PathCheck::kExistingFile; return *this; }
  OptionBuilder& existing_dir() { spec.check = PathCheck::kExistingDir; return *this; }
  OptionBuilder& one_of(std::vector<std::string> c) { spec.choices = std::move(c); return *this; }
  OptionBuilder& at_least(double v) { spec.min = v; return *this; }
  OptionBuilder& at_most(double v) { spec.max = v; return *this; }
  OptionBuilder& flag(std::string f) { spec.cli_flag = std::move(f); return *this; }
  OptionBuilder& delimiter(char d) { spec.cli_delimiter = d; return *this; }
  OptionBuilder& env(std::string e) { spec.env = std::move(e); return *this; }
  OptionBuilder& excludes(std::vector<std::string> keys) {
    spec.excludes = std::move(keys);
    return *this;
  }
  operator OptionSpec() const { return spec; }  // NOLINT: the builder is the spec
};
OptionBuilder option(std::string key, OptionType type, std::string help);

using OptionSchema = std::vector<OptionSpec>;

// Checks `options` against `schema` with the strict reader: unknown keys, wrong types, values out
// of range or not among the choices, missing required keys, excluded pairs and missing files are
// OptionsErrors naming the job, the key and `doc`. Returns the options with every default filled.
nlohmann::json normalize_options(const OptionSchema& schema, const nlohmann::json& options,
                                 const std::string& where, const std::string& doc);

// Typed access to options that normalize_options accepted.
class JobOptions {
 public:
  explicit JobOptions(nlohmann::json normalized) : json_(std::move(normalized)) {}
  bool has(const std::string& key) const { return json_.contains(key); }
  std::string text(const std::string& key, const std::string& fallback = "") const;
  int64_t integer(const std::string& key, int64_t fallback = 0) const;
  double number(const std::string& key, double fallback = 0) const;
  bool flag(const std::string& key) const;  // absent = false
  std::vector<std::string> list(const std::string& key) const;  // absent = empty
  std::vector<int64_t> integers(const std::string& key) const;  // absent = empty
  const nlohmann::json& json() const { return json_; }

 private:
  nlohmann::json json_;
};

}  // namespace glossa::jobs
