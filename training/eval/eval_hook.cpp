#include "training/eval/eval_hook.h"

#include "training/torch_core.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include "base/error.h"
#include "training/eval/heldout_eval.h"
#include "training/model/llama_model.h"
#include "training/eval/mc_eval.h"
#include "training/metrics/mc_metrics.h"

namespace glossa {
namespace {

using nlohmann::json;

json record(const std::string& name, const std::string& metric, double value,
            std::optional<double> standard_error = std::nullopt) {
  json r = {{"set_or_task", name}, {"metric", metric}, {"value", value}};
  if (standard_error && std::isfinite(*standard_error)) r["stderr"] = *standard_error;
  return r;
}

void add_scores(const McScores& s, json* out) {
  if (s.acc) out->push_back(record(s.name, "acc", *s.acc, s.acc_stderr));
  if (s.acc_norm) out->push_back(record(s.name, "acc_norm", *s.acc_norm, s.acc_norm_stderr));
  if (s.f1) out->push_back(record(s.name, "f1", *s.f1));
}

}  // namespace

EvalHook make_eval_hook(const RunConfig& config, const JobControl& job,
                        std::optional<RunPreflight> preloaded) {
  if (config.heldout.empty() && config.benchmarks.empty())
    return [](LlamaForCausalLMImpl&, const std::string&, int64_t) { return json::array(); };
  auto loaded = std::make_shared<std::optional<RunPreflight>>(std::move(preloaded));
  const JobControl* control = &job;
  return [config, loaded, control](LlamaForCausalLMImpl& model, const std::string&, int64_t) {
    if (!*loaded) {
      loaded->emplace();
      load_run_eval_data(config, model.config(), &**loaded);
    }
    json out = json::array();
    for (const HeldoutSet& set : (*loaded)->heldout) {
      const HeldoutResult r =
          evaluate_heldout(model, set, config.eval.batch, config.eval.max_tokens, *control);
      out.push_back(record(set.name, "loss", r.loss));
      out.push_back(record(set.name, "bits_per_byte", r.bpb));
    }
    std::map<std::string, std::vector<McScores>> groups;
    McEvalOptions options;
    options.batch_size = config.eval.batch;
    for (const auto& [path, file] : (*loaded)->tasks) {
      const McTaskResult r = evaluate_multiple_choice(model, file, path, options, *control);
      add_scores(r.scores, &out);
      if (!file.group.empty()) groups[file.group].push_back(r.scores);
    }
    for (const auto& [group, tasks] : groups) add_scores(group_scores(group, tasks), &out);
    return out;
  };
}

}  // namespace glossa
