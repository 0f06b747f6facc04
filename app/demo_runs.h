// The demo project's training runs (docs/user-guide.md): a tiny Llama pretrained from scratch on
// the demo's English with the English base tokenizer (the "English model" EEVE starts from), and
// the EEVE run the New run dialog is prefilled with — that model grown with the curated Korean
// tokens, trained in EEVE's seven stages on Korean + English shards packed with the merged
// tokenizer, Korean and English held-out curves side by side. Sized to run in a minute or two on
// a laptop CPU: the preset's stages as the paper orders them, shortened (overrides shown in the
// dialog).
#pragma once

#include <nlohmann/json.hpp>

#include "app/demo_project.h"
#include "app/runs/new_run_request.h"

namespace glossa::app {

// pack's options for the demo's shards: `name` (en_base, en, ko) with `tokenizer` from `input`.
nlohmann::json demo_pack_options(const DemoProject& demo, const QString& name,
                                 const QString& tokenizer, const QString& input);
QString demo_path(const DemoProject& demo, const QString& relative);

// RUN.json object of the English pretraining (random init; exports runs/base/export).
nlohmann::json demo_base_run(const DemoProject& demo);
// The EEVE run of the first vocabulary session (vocab/first), ready to start; for the stories260K
// demo (demo.shared_data set) on the imported stories260K and the review / TinyStories shards.
NewRunRequest demo_eeve_request(const DemoProject& demo);

}  // namespace glossa::app
