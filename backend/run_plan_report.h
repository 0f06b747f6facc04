// run.plan (docs/protocol.md): what run.start would launch, shown before it starts — the
// effective configuration (preset expanded, paths absolute, the device run.start's params give),
// the model as it will be trained (rows after the vocabulary resize, parameters), the stages, the
// memory per rank of each stage and the held-out sets. It runs the checks glossa-train's
// --dry-run runs (run_preflight.h), so a config that would fail at start fails here with the same
// message. Qt-free, torch-free.
#pragma once

#include <nlohmann/json.hpp>

namespace glossa::backend {

struct RunStartPlan;

// Throws protocol::RpcException: kInvalidParams / kRunConfig as run.start does; a failing
// preflight (a shard, a held-out set, the schedule against the model) is kRunConfig.
nlohmann::json run_plan_report(const RunStartPlan& plan);

}  // namespace glossa::backend
