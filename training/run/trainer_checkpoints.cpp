// Trainer::Impl's checkpoints: writing them, finding the newest valid one to resume from, loading
// the model tensors and the optimizer state, and carrying the optimizer state from one stage to
// the next (docs/checkpoints.md).
#include "base/error.h"
#include "training/distributed/process_group.h"
#include "training/io/train_checkpoint.h"
#include "training/optim/masked_adamw.h"
#include "training/run/trainer_impl.h"

namespace glossa {

void Trainer::Impl::load_model_tensors(const CheckpointData& data) {
  torch::NoGradGuard no_grad;
  NamedParams params = named_params(*model);
  if (data.model.size() != params.size())
    fail(last_checkpoint, "model.safetensors holds " + std::to_string(data.model.size()) +
                              " tensors, the model has " + std::to_string(params.size()));
  std::map<std::string, torch::Tensor> by_name(data.model.begin(), data.model.end());
  for (auto& [name, p] : params) {
    const auto it = by_name.find(name);
    if (it == by_name.end()) fail(last_checkpoint, "model.safetensors lacks tensor " + name);
    if (it->second.sizes() != p.sizes())
      fail(last_checkpoint, "tensor " + name + " has shape " + c10::str(it->second.sizes()) +
                                ", the model expects " + c10::str(p.sizes()));
    p.copy_(it->second);
  }
}

std::optional<CheckpointData> Trainer::Impl::load_resume_point() {
  std::string problems;
  const auto dir = find_latest_valid_checkpoint(
      checkpoints_dir(), [&](const std::string& d, const std::string& problem) {
        event("warning", "checkpoint " + d + " is not usable, trying the previous one: " + problem);
        problems += "\n  " + problem;
      });
  if (!dir)
    fail(checkpoints_dir(), problems.empty()
                                ? "resume requested but there is no checkpoint"
                                : "resume requested but no checkpoint verifies:" + problems);
  last_checkpoint = *dir;
  CheckpointData data = read_checkpoint(*dir);
  const TrainState& s = data.state;
  const auto& stages = config.schedule.stages;
  if (s.stage_index > static_cast<int64_t>(stages.size()) ||
      (s.stage_index < static_cast<int64_t>(stages.size()) &&
       stages[s.stage_index].name != s.stage_name))
    fail(*dir, "stage " + std::to_string(s.stage_index) + " '" + s.stage_name +
                   "' does not match this run's schedule");
  if (s.config_hash != config.numerics_hash())
    event("warning", "the run's configuration changed since checkpoint " + *dir +
                         ": resumed training will not reproduce an uninterrupted run");
  load_model_tensors(data);
  restore_cpu_rng_state(s.torch_cpu_rng);
  state = s;
  event("resume", "resumed from " + *dir + " at global step " + std::to_string(s.global_step));
  return data;
}

std::unique_ptr<StepOptimizer> Trainer::Impl::make_optimizer(size_t stage_index) {
  const StageConfig& stage = config.schedule.stages[stage_index];
  const NamedParams params = named_params(*model);
  FreezePlan plan = build_freeze_plan(stage, *groups);
  apply_requires_grad(params, plan);
  StepOptimizerOptions options;
  options.group = group;
  options.zero1 = stage.zero1;
  AdamWSettings settings = AdamWSettings::from_stage(stage);
  settings.fp32_master = precision.fp32_master;
  return make_step_optimizer(params, std::move(plan), settings, options);
}

// The optimizer of stage `stage_index`: state loaded from a checkpoint of this stage, carried
// over from the previous stage's (live, or loaded from a stage-end checkpoint), or fresh.
// Checkpoints hold the whole plan's state, so ZeRO-1 and world size may change across resumes.
std::unique_ptr<StepOptimizer> Trainer::Impl::restore_optimizer(
    const std::optional<CheckpointData>& resume, size_t stage_index) {
  const StageConfig& stage = config.schedule.stages[stage_index];
  const auto index = static_cast<int64_t>(stage_index);
  if (resume && resume->state.optimizer_stage == index) {  // a checkpoint of this stage
    optimizer.reset();
    auto opt = make_optimizer(stage_index);
    opt->load_state(OptimizerState{resume->optimizer, resume->state.optimizer});
    return opt;
  }
  std::optional<OptimizerState> previous;  // the previous stage's whole-plan state
  std::string source = "the previous stage";
  if (!stage.reset_optimizer) {
    if (resume && resume->state.optimizer_stage == index - 1)
      previous = OptimizerState{resume->optimizer, resume->state.optimizer};
    else if (optimizer)
      previous = previous_stage_state(stage_index - 1, &source);  // every rank is here
  }
  optimizer.reset();  // its gradient hooks must go before the next stage's are installed
  auto opt = make_optimizer(stage_index);
  if (previous) {
    int64_t carried = 0;
    opt->load_state(carry_over_state(*previous, opt->plan(), named_params(*model), &carried));
    event("optimizer", "stage '" + stage.name + "': optimizer state of " + std::to_string(carried) +
                           " of " + std::to_string(opt->plan().slices.size()) +
                           " trainable slices carried over from " + source);
  }
  return opt;
}

// The state the stage that just ended leaves, for the carry-over. Replicated: the optimizer's own
// tensors (no copy). ZeRO-1: the stage-end checkpoint rank 0 has just written, mapped by every
// rank, so no rank assembles the whole state in memory; only when some rank cannot see that
// file (no shared file system) is it gathered instead (2 x trainable elements on every rank).
OptimizerState Trainer::Impl::previous_stage_state(size_t ended_stage, std::string* source) {
  if (!group || world == 1 || !config.schedule.stages[ended_stage].zero1)
    return optimizer->state(true);
  const std::string dir = checkpoints_dir() + "/" + checkpoint_dir_name(state.global_step);
  group->barrier();  // rank 0 arrives once its checkpoint is in place
  const auto on_group = torch::TensorOptions().dtype(torch::kLong).device(group->device());
  torch::Tensor missing = torch::full({1}, has_optimizer_file(dir) ? 0 : 1, on_group);
  group->all_reduce_max(missing);
  if (missing.cpu().item<int64_t>() != 0) {
    event("warning", "stage-end checkpoint " + dir +
                         " not visible to every rank: the optimizer state is gathered instead");
    return optimizer->state(true);
  }
  *source = "the previous stage (its stage-end checkpoint, mapped)";
  return OptimizerState{map_optimizer_file(dir), state.optimizer};
}

void Trainer::Impl::write_checkpoint_now() {
  // Every rank gets here at the same step. Rank 0 writes; the optimizer state goes into its
  // file as it is produced (under ZeRO-1 gathered unit by unit: the other ranks take part in
  // that gather, then go on and wait in their next collective).
  state.sampler = sampler ? sampler->state() : state.sampler;
  state.torch_cpu_rng = cpu_rng_state_hex();
  state.config_hash = config.numerics_hash();
  if (rank != 0) {
    if (optimizer) state.optimizer = optimizer->write_state(nullptr);
    return;
  }
  CheckpointData data;
  for (auto& [name, p] : named_params(*model)) data.model.emplace_back(name, p.detach());
  if (optimizer) {
    data.optimizer_specs = optimizer->state_specs();
    data.write_optimizer = [this](SafetensorsWriter& out) {
      state.optimizer = optimizer->write_state(&out);
      return state.optimizer;
    };
  } else {
    state.optimizer = nlohmann::json();
  }
  data.state = state;
  last_checkpoint = write_checkpoint(checkpoints_dir(), data, config.keep_checkpoints);
  event("checkpoint", last_checkpoint);
  if (observer) observer->on_checkpoint(last_checkpoint, state.global_step);
}

}  // namespace glossa
