// Where each value of a schedule preset comes from (docs/training-stages.md, "Provenance"), so a
// user sees which numbers a paper states and which the project assumed: a map from a key of the
// stage (or of the schedule) to "KIND: reference", KIND one of
//   paper      the paper states it (section, table, figure)
//   script     a released training script states it (repository, file, commit)
//   default    a framework's default the source relied on without stating it
//   assumption the project's choice where no source states it (a placeholder, another size's value)
//   reading    the project's reading of a description that is not a quote (e.g. a stage order)
// Torch-free.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace glossa {

using Provenance = std::map<std::string, std::string>;

// Strict: an object of strings; each key must be in `keys` (the object's own fields), each value
// must start with a known KIND and ": ". Throws Error naming `where` and the key.
Provenance provenance_from_json(const nlohmann::json& json, const std::set<std::string>& keys,
                                const std::string& where);

// "paper", "script", ... of a provenance value ("" when malformed).
std::string provenance_kind(const std::string& value);

}  // namespace glossa
