#include "training/config/schedule_preset.h"

#include <filesystem>

#include "base/embedded_json.h"
#include "base/error.h"
#include "base/strict_json.h"

namespace glossa {

namespace detail {
extern const EmbeddedJson kBuiltinPresets[];  // training/CMakeLists.txt
}  // namespace detail

namespace {

constexpr const char* kDoc = "docs/run-config.md";

// Sets `fields` on a stage's JSON; a budget given replaces the other kind of budget.
void apply_stage_fields(nlohmann::json& stage, const nlohmann::json& fields) {
  if (fields.contains("budget_steps")) stage.erase("budget_tokens");
  if (fields.contains("budget_tokens")) stage.erase("budget_steps");
  stage.update(fields);
}

// The index of the stage a key of "stages" names: its number from 1, or its name.
size_t stage_index(const nlohmann::json& stages, const std::string& key, const StrictJson& r) {
  for (size_t i = 0; i < stages.size(); ++i)
    if (key == std::to_string(i + 1) || key == stages[i].value("name", "")) return i;
  std::string names;
  for (size_t i = 0; i < stages.size(); ++i)
    names += (i ? ", " : "") + std::to_string(i + 1) + " '" + stages[i].value("name", "") + "'";
  r.fail_key("stages", "names stage '" + key + "', which the preset does not have (" + names + ")");
}

}  // namespace

std::vector<std::string> builtin_preset_names() { return embedded_names(detail::kBuiltinPresets); }

ScheduleConfig load_preset(const std::string& name_or_path, const std::string& base_dir,
                           std::string* origin) {
  if (const auto text = embedded_text(detail::kBuiltinPresets, name_or_path)) {
    *origin = "built-in preset " + name_or_path;
    return ScheduleConfig::from_json(nlohmann::json::parse(*text),
                                     "resources/presets/" + name_or_path + ".json");
  }
  std::filesystem::path path(name_or_path);
  if (path.is_relative() && !base_dir.empty()) path = std::filesystem::path(base_dir) / path;
  if (!std::filesystem::exists(path)) {
    std::string names;
    for (const auto& n : builtin_preset_names()) names += (names.empty() ? "" : ", ") + n;
    fail("preset '" + name_or_path + "'",
         "neither a built-in preset (" + names + ") nor a file (" + path.string() + ")");
  }
  *origin = path.string();
  return ScheduleConfig::load(path.string());
}

ScheduleConfig schedule_with_overrides(const nlohmann::json& json, const std::string& where,
                                       const std::string& base_dir, std::string* origin) {
  StrictJson r(json, where, kDoc);
  std::string preset;
  r.require("preset", preset);
  nlohmann::json schedule = load_preset(preset, base_dir, origin).to_json();
  nlohmann::json& stages = schedule["stages"];
  if (const nlohmann::json* all = r.raw("all_stages")) {
    StageConfig::from_json(*all, r.at("all_stages"));  // its keys and types, checked
    for (auto& stage : stages) apply_stage_fields(stage, *all);
  }
  if (const nlohmann::json* some = r.raw("stages")) {
    if (!some->is_object()) r.fail_key("stages", "must be an object {stage: fields}");
    for (const auto& [key, fields] : some->items()) {
      StageConfig::from_json(fields, r.at("stages." + key));
      apply_stage_fields(stages[stage_index(stages, key, r)], fields);
    }
  }
  for (const char* key : {"new_rows_init", "pad_vocab_to_multiple", "init"})
    if (const nlohmann::json* v = r.raw(key)) schedule[key] = *v;
  r.finish();
  return ScheduleConfig::from_json(schedule, where + " (" + *origin + " with overrides)");
}

}  // namespace glossa
