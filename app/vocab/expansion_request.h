// The vocab.expand job the Vocabulary page submits to iterate with the person's decisions: the
// session's own options (ExpansionOptions::to_json, as project.open lists them) in the job's
// option names, with the minimum frequency of the line and the current overrides as the forced
// lists. The same options `glossa-cli job run vocab.expand --options` takes (docs/jobs.md).
#pragma once

#include <QString>
#include <nlohmann/json.hpp>

namespace glossa::app {

// `overrides`: vocab.overrides' list ({piece, action}); `out`: the new output folder.
// Throws std::runtime_error naming what the session's options lack.
nlohmann::json expansion_job_options(const nlohmann::json& session_options, qint64 min_freq,
                                     const nlohmann::json& overrides, const QString& out,
                                     const QString& project);

}  // namespace glossa::app
