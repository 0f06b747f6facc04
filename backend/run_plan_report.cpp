#include "backend/run_plan_report.h"

#include <unistd.h>

#include "backend/run_start_plan.h"
#include "base/error.h"
#include "protocol/rpc_message.h"
#include "training/config/run_memory.h"
#include "training/config/run_preflight.h"

namespace glossa::backend {
namespace {

using nlohmann::json;

// Memory of one device the plan is checked against: the machine's RAM for a CPU run; for CUDA
// the backend does not touch the GPU (it may have none, the run may go elsewhere), so 80 GiB —
// what glossa-train assumes when preparing a GPU run on a machine without one.
int64_t planning_device_bytes(const std::string& device) {
  if (device == "cuda") return 80LL << 30;
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? int64_t(pages) * page : (16LL << 30);
}

json model_summary(const RunPreflight& p, const RunConfig& c) {
  return {{"init", c.effective_init()},
          {"path", c.model.path},
          {"architecture", p.model.architecture},
          {"vocab_size", p.model.vocab_size},
          {"base_vocab", p.base_vocab},
          {"hidden_size", p.model.hidden_size},
          {"layers", p.model.num_hidden_layers},
          {"parameters", p.model.parameter_count()}};
}

json heldout_summary(const RunPreflight& p) {
  json sets = json::array();
  for (const HeldoutSet& h : p.heldout)
    sets.push_back({{"name", h.name}, {"prefix", h.prefix}, {"tokens", h.tokens},
                    {"bytes", h.bytes}, {"seq_len", h.seq_len}});
  return sets;
}

}  // namespace

json run_plan_report(const RunStartPlan& plan) {
  RunPreflight preflight;
  RunMemoryCheck memory;
  try {
    preflight = preflight_run(plan.config, plan.world_size);
    memory = check_run_memory(plan.config, plan.world_size, planning_device_bytes(plan.device));
  } catch (const Error& e) {
    throw protocol::RpcException(protocol::kRunConfig, e.what(),
                                 {{"field", field_of_config_error(e.what())}});
  }
  const json resolved = plan.config.to_json();
  return {{"config", resolved},
          {"table", plan.config.table()},
          {"run_dir", plan.run_dir},
          {"world_size", plan.world_size},
          {"device", plan.device},
          {"gpus", plan.gpus},
          {"model", model_summary(preflight, plan.config)},
          {"stages", resolved.at("schedule").value("stages", json::array())},
          {"heldout", heldout_summary(preflight)},
          {"benchmarks", resolved.value("benchmarks", json::array())},
          {"memory", {{"table", memory.table}, {"not_fitting", memory.not_fitting}}}};
}

}  // namespace glossa::backend
