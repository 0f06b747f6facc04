// Stage-schedule presets (resources/presets/*.json, compiled in: eeve, redwhale, chinese_llama,
// from_scratch_llammlein_120m, from_scratch_llammlein_1b) and a preset shrunk or adapted from
// RUN.json without copying it (docs/run-config.md, "Presets with overrides"):
//   "schedule": {"preset": "eeve", "all_stages": {"budget_steps": 6, "seq_len": 256}}
// Torch-free.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "training/config/stage_config.h"

namespace glossa {

std::vector<std::string> builtin_preset_names();

// A preset by built-in name, or else a preset file (a relative path resolved against base_dir).
// *origin: "built-in preset eeve" or the file's path. Throws Error listing the built-ins.
ScheduleConfig load_preset(const std::string& name_or_path, const std::string& base_dir,
                           std::string* origin);

// A schedule object with a "preset" key: the preset with its overrides applied.
//   preset                 built-in name or file
//   all_stages             stage fields set on every stage (a budget given replaces the other)
//   stages                 {"<number from 1>" | "<stage name>": stage fields} for one stage
//   new_rows_init, pad_vocab_to_multiple, init   schedule fields
// Unknown keys, unknown stages and wrong types are Errors naming `where`.
ScheduleConfig schedule_with_overrides(const nlohmann::json& json, const std::string& where,
                                       const std::string& base_dir, std::string* origin);

}  // namespace glossa
