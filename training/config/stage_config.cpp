#include "training/config/stage_config.h"

#include <set>
#include <sstream>

#include "base/error.h"
#include "base/file_util.h"
#include "training/config/freeze_plan.h"
#include "training/config/param_groups.h"
#include "base/strict_json.h"

namespace glossa {

namespace {

// Strict reader with this file's doc in its messages.
struct StrictFields : StrictJson {
  StrictFields(const nlohmann::json& json, std::string where)
      : StrictJson(json, std::move(where), "docs/training-stages.md") {}
};

std::set<std::string> keys_of(const nlohmann::json& object) {
  std::set<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.insert(key);
  return keys;
}

std::string stage_label(size_t index, const StageConfig& s) {
  return "stage " + std::to_string(index + 1) + (s.name.empty() ? "" : " '" + s.name + "'");
}

}  // namespace

int64_t StageConfig::tokens_per_step(int64_t world_size) const {
  return seq_len * micro_batch * grad_accum * world_size;
}

int64_t StageConfig::total_steps(int64_t world_size) const {
  if (budget_steps > 0) return budget_steps;
  const int64_t per_step = tokens_per_step(world_size);
  if (per_step <= 0 || budget_tokens <= 0) return 0;
  return (budget_tokens + per_step - 1) / per_step;
}

LrSchedule StageConfig::lr_schedule(int64_t world_size) const {
  return LrSchedule{schedule,          peak_lr, min_lr, warmup_steps, total_steps(world_size),
                    wsd_decay_fraction};
}

nlohmann::json StageConfig::to_json() const {
  nlohmann::json j = {{"name", name},
                      {"source", source},
                      {"trainable", trainable},
                      {"budget_steps", budget_steps},
                      {"budget_tokens", budget_tokens},
                      {"peak_lr", peak_lr},
                      {"min_lr", min_lr},
                      {"warmup_steps", warmup_steps},
                      {"schedule", to_string(schedule)},
                      {"wsd_decay_fraction", wsd_decay_fraction},
                      {"weight_decay", weight_decay},
                      {"betas", betas},
                      {"eps", eps},
                      {"seq_len", seq_len},
                      {"micro_batch", micro_batch},
                      {"grad_accum", grad_accum},
                      {"lr_multipliers", lr_multipliers},
                      {"reset_optimizer", reset_optimizer},
                      {"zero1", zero1},
                      {"activation_checkpointing", activation_checkpointing},
                      {"eval_every_steps", eval_every_steps},
                      {"clip_grad_norm", clip_grad_norm},
                      {"decay_embeddings", decay_embeddings},
                      {"decay_norms", decay_norms}};
  if (!notes.empty()) j["notes"] = notes;
  if (!provenance.empty()) j["provenance"] = provenance;
  return j;
}

StageConfig StageConfig::from_json(const nlohmann::json& json, const std::string& where) {
  StageConfig s;
  StrictFields f(json, where);
  f.get("name", s.name);
  f.get("source", s.source);
  f.get("notes", s.notes);
  f.get("trainable", s.trainable);
  f.get("budget_steps", s.budget_steps);
  f.get("budget_tokens", s.budget_tokens);
  f.get("peak_lr", s.peak_lr);
  f.get("min_lr", s.min_lr);
  f.get("warmup_steps", s.warmup_steps);
  std::string schedule = to_string(s.schedule);
  f.get("schedule", schedule);
  s.schedule = schedule_kind_from_string(schedule, where + ": field 'schedule'");
  f.get("wsd_decay_fraction", s.wsd_decay_fraction);
  f.get("weight_decay", s.weight_decay);
  f.get("betas", s.betas);
  f.get("eps", s.eps);
  f.get("seq_len", s.seq_len);
  f.get("micro_batch", s.micro_batch);
  f.get("grad_accum", s.grad_accum);
  f.get("lr_multipliers", s.lr_multipliers);
  f.get("reset_optimizer", s.reset_optimizer);
  f.get("zero1", s.zero1);
  f.get("activation_checkpointing", s.activation_checkpointing);
  f.get("eval_every_steps", s.eval_every_steps);
  f.get("clip_grad_norm", s.clip_grad_norm);
  f.get("decay_embeddings", s.decay_embeddings);
  f.get("decay_norms", s.decay_norms);
  if (const nlohmann::json* p = f.raw("provenance")) s.provenance = provenance_from_json(*p, keys_of(s.to_json()), where);
  f.finish();
  return s;
}

nlohmann::json ScheduleConfig::to_json() const {
  nlohmann::json j = {{"name", name},
                      {"source", source},
                      {"init", init},
                      {"new_rows_init", new_rows_init},
                      {"pad_vocab_to_multiple", pad_vocab_to_multiple},
                      {"stages", nlohmann::json::array()}};
  if (!notes.empty()) j["notes"] = notes;
  if (!provenance.empty()) j["provenance"] = provenance;
  if (model) j["model"] = model->to_json();
  for (const StageConfig& s : stages) j["stages"].push_back(s.to_json());
  return j;
}

ScheduleConfig ScheduleConfig::from_json(const nlohmann::json& json, const std::string& where) {
  ScheduleConfig c;
  StrictFields f(json, where);
  f.get("name", c.name);
  f.get("source", c.source);
  f.get("notes", c.notes);
  f.get("init", c.init);
  if (c.init != "pretrained" && c.init != "random")
    fail(where, "field 'init' must be \"pretrained\" or \"random\" (found \"" + c.init + "\")");
  f.get("new_rows_init", c.new_rows_init);
  static const std::set<std::string> kInits = {"eeve", "decomposition", "mean", "mean_noise",
                                                "normal"};
  if (!kInits.count(c.new_rows_init))
    fail(where,
         "field 'new_rows_init' must be eeve, decomposition, mean, mean_noise or normal (found \"" +
             c.new_rows_init + "\")");
  f.get("pad_vocab_to_multiple", c.pad_vocab_to_multiple);
  if (const nlohmann::json* model = f.raw("model"))
    c.model = ModelConfig::from_json(*model, where + ": field 'model'");
  const nlohmann::json* stages = f.raw("stages");
  if (!stages || !stages->is_array())
    fail(where, "field 'stages' must be an array of stage objects");
  for (size_t i = 0; i < stages->size(); ++i)
    c.stages.push_back(
        StageConfig::from_json((*stages)[i], where + ": stages[" + std::to_string(i) + "]"));
  if (const nlohmann::json* p = f.raw("provenance")) {
    std::set<std::string> keys = keys_of(c.to_json());
    keys.insert("model");  // written only when set
    c.provenance = provenance_from_json(*p, keys, where);
  }
  f.finish();
  return c;
}

ScheduleConfig ScheduleConfig::load(const std::string& path) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    fail(path, std::string("not valid JSON: ") + e.what());
  }
  return from_json(json, path);
}

namespace {

// Problems of one stage that need no model: budget, batch sizes, optimizer numbers, schedule.
void check_stage_numbers(const StageConfig& s, const ModelConfig& model, int64_t world_size,
                         std::vector<std::string>& problems) {
  const auto add = [&](const std::string& what) { problems.push_back(what); };
  if (s.trainable.empty()) add("nothing trainable (field 'trainable' is empty)");
  if ((s.budget_steps > 0) == (s.budget_tokens > 0))
    add("set exactly one positive budget: budget_steps or budget_tokens (found steps " +
        std::to_string(s.budget_steps) + ", tokens " + std::to_string(s.budget_tokens) + ")");
  if (s.budget_steps < 0 || s.budget_tokens < 0) add("the budget must not be negative");
  if (s.micro_batch <= 0)
    add("micro_batch must be > 0 (found " + std::to_string(s.micro_batch) + ")");
  if (s.grad_accum <= 0) add("grad_accum must be > 0 (found " + std::to_string(s.grad_accum) + ")");
  if (s.seq_len <= 0) add("seq_len must be > 0");
  if (s.seq_len > model.max_position_embeddings)
    add("seq_len " + std::to_string(s.seq_len) + " is beyond the model's max_position_embeddings " +
        std::to_string(model.max_position_embeddings) + " (lower seq_len)");
  if (s.weight_decay < 0) add("weight_decay must be >= 0");
  if (!(s.betas[0] >= 0 && s.betas[0] < 1 && s.betas[1] >= 0 && s.betas[1] < 1))
    add("betas must be in [0, 1)");
  if (!(s.eps > 0)) add("eps must be > 0");
  if (s.clip_grad_norm < 0) add("clip_grad_norm must be >= 0 (0 = off)");
  if (s.eval_every_steps < 0) add("eval_every_steps must be >= 0");
  if (s.decay_norms) add("decay_norms must be false: RMSNorm gains are never weight-decayed");
  for (const auto& [selector, factor] : s.lr_multipliers)
    if (!(factor >= 0)) add("lr_multipliers['" + selector + "'] must be >= 0");
  if (s.total_steps(world_size) > 0 && s.micro_batch > 0 && s.grad_accum > 0) {
    try {
      s.lr_schedule(world_size).validate("schedule");
    } catch (const Error& e) {
      add(e.what());
    }
  }
}

}  // namespace

void validate(const ScheduleConfig& config, const ModelConfig& model, int64_t base_vocab,
              const std::vector<std::string>& parameter_names, int64_t world_size) {
  const std::string where = "schedule '" + config.name + "'";
  const bool has_head = std::find(parameter_names.begin(), parameter_names.end(),
                                  "lm_head.weight") != parameter_names.end();
  if (has_head == model.tie_word_embeddings)
    fail(where, std::string("the model's tie_word_embeddings is ") +
                    (model.tie_word_embeddings ? "true" : "false") + " but lm_head.weight is " +
                    (has_head ? "present" : "absent") + " among its parameters");
  const ParamGroups groups = ParamGroups::build(parameter_names, model.vocab_size, base_vocab);
  std::vector<std::string> problems;
  if (config.stages.empty()) problems.push_back(where + ": no stages");
  for (size_t i = 0; i < config.stages.size(); ++i) {
    const StageConfig& s = config.stages[i];
    std::vector<std::string> stage_problems;
    check_stage_numbers(s, model, world_size, stage_problems);
    if (!s.trainable.empty()) {
      try {
        build_freeze_plan(s, groups);  // selectors, multipliers, tied conflicts
      } catch (const Error& e) {
        stage_problems.push_back(e.what());
      }
    }
    for (const std::string& p : stage_problems)
      problems.push_back(where + ", " + stage_label(i, s) + ": " + p);
  }
  if (problems.empty()) return;
  std::ostringstream out;
  out << problems.size() << " problem(s) in the schedule, found before any compute:";
  for (const std::string& p : problems) out << "\n  - " << p;
  throw Error(out.str());
}

}  // namespace glossa
