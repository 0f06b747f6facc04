#include "training/run/trainer.h"

#include "training/run/trainer_impl.h"

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <optional>

#include "base/error.h"
#include "base/file_util.h"
#include "training/data/batch_sampler.h"
#include "training/distributed/consistency_check.h"
#include "training/distributed/control_agreement.h"
#include "training/config/freeze_plan.h"
#include "training/optim/frozen_digest.h"
#include "training/io/hf_checkpoint.h"
#include "training/model/llama_model.h"
#include "training/optim/masked_adamw.h"
#include "training/config/param_groups.h"
#include "training/distributed/process_group.h"
#include "training/optim/step_optimizer.h"
#include "training/io/train_checkpoint.h"
#include "training/run/train_metrics.h"
#include "training/run/training_step.h"
#include "training/model/vocab_resize.h"

namespace glossa {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

NamedParams named_params(LlamaForCausalLMImpl& model) {
  NamedParams out;
  for (const auto& item : model.named_parameters()) out.emplace_back(item.key(), item.value());
  return out;
}


void Trainer::Impl::build_model() {
  torch::manual_seed(config.seed);  // random init and any init noise drawn from torch's generator
  if (config.effective_init() == "random") {
    model = LlamaForCausalLM(config.random_init_shape(),
                             ModelInit{precision.dtype, precision.device, true});
  } else {
    model = load_hf_model(config.model.path, precision.dtype, precision.device);
  }
  base_vocab = model->config().vocab_size;
  if (!config.new_token_map.empty()) resize_vocabulary();
}

void Trainer::Impl::resize_vocabulary() {
  VocabResizeOptions options;
  options.init = new_row_init_from_string(config.schedule.new_rows_init, "schedule.new_rows_init");
  options.pad_to_multiple = config.schedule.pad_vocab_to_multiple;
  options.seed = config.seed;
  resize_model_vocabulary(*model, read_new_token_map(config.new_token_map), options);
}

void Trainer::Impl::make_sampler(const StageConfig& stage) {
  DataConfig data = config.data;
  data.seq_len = stage.seq_len;
  const nlohmann::json position = sampler ? sampler->state() : state.sampler;
  sampler = std::make_unique<BatchSampler>(data, model->config().vocab_size, rank, world);
  if (!position.is_null()) sampler->restore(position);
}

void Trainer::Impl::evaluate(const std::string& stage) {
  if (!eval_hook) return;
  torch::NoGradGuard no_grad;
  nlohmann::json results;
  try {
    results = eval_hook(*model, stage, state.global_step);
  } catch (const CancelledError&) {
    // A stop that arrives during an evaluation (the hook checks the same control) abandons the
    // evaluation, not the run: the next step boundary stops it with its last checkpoint.
    // Without this the run ended "failed: cancelled" when a stop met an eval step.
    if (!control.cancelled()) throw;
    event("eval", "evaluation at step " + std::to_string(state.global_step) +
                      " abandoned: stop requested");
    return;
  }
  const std::vector<EvalRecord> records = eval_records(results, stage, state.global_step);
  if (metrics) metrics->write_evals(records);
  if (observer) observer->on_eval(records);
}

// Before each step: the ranks agree on the control requests (control_agreement.h). Writes a
// checkpoint when one was asked for (also while paused), holds while paused (the ranks keep
// agreeing every 200 ms, so no collective times out). False when the run must stop.
bool Trainer::Impl::agree_to_go_on() {
  const auto local = [&] {
    return ControlFlags{control.cancelled(), paused.load(), checkpoint_requested.exchange(false)};
  };
  ControlFlags flags = agree_on_control(group.get(), local());
  bool announced = false;
  while (!flags.stop) {
    if (flags.checkpoint) write_checkpoint_now();
    if (!flags.pause) break;
    if (!announced) event("paused", "paused at global step " + std::to_string(state.global_step));
    announced = true;
    {
      // Woken by resume(); the timeout lets a cancel (JobControl has no notifier) and the other
      // ranks' requests through.
      std::unique_lock<std::mutex> lock(pause_mutex);
      pause_cv.wait_for(lock, std::chrono::milliseconds(200),
                        [&] { return !paused.load() || control.cancelled(); });
    }
    flags = agree_on_control(group.get(), local());
  }
  if (announced && !flags.stop)
    event("resumed", "running again at global step " + std::to_string(state.global_step));
  return !flags.stop;
}

// Every rank must train the same stage from the same step with the same numerics, or the
// averaged gradients mix different models (consistency_check.h).
void Trainer::Impl::check_ranks_agree(size_t stage_index) {
  if (!group || world == 1) return;
  const std::string hash = config.numerics_hash();
  check_consistency(*group, RunFingerprint{config.schedule.stages[stage_index].name,
                                           static_cast<int64_t>(stage_index), state.global_step,
                                           std::hash<std::string>{}(hash)});
}

void Trainer::Impl::record_step(const StageConfig& stage, const StepOutcome& out, double seconds) {
  StepRecord r;
  r.step = state.global_step;
  r.stage = stage.name;
  r.tokens = state.tokens_seen;
  r.loss = out.loss;
  r.lr_json = optimizer->group_lrs();
  r.grad_norm = out.clip.total_norm;
  r.grad_norm_json = out.clip.group_norms;
  r.step_time_s = seconds;
  r.tokens_per_s = seconds > 0 ? static_cast<double>(out.tokens) / seconds : kNaN;
  r.mfu = config.peak_tflops > 0 ? flops_per_token(model->config(), stage.seq_len) *
                                       r.tokens_per_s / (world * config.peak_tflops * 1e12)
                                 : kNaN;
  r.peak_mem_bytes = peak_memory_bytes(precision.device);
  r.time = unix_time_now();
  if (metrics) metrics->write_step(r);
  if (observer) observer->on_step(r);
}

// Sets up stage `index`: its optimizer (restored, carried over or fresh), sampler and state.
void Trainer::Impl::begin_stage(size_t index, std::optional<CheckpointData>& resume) {
  const StageConfig& stage = config.schedule.stages[index];
  model->set_activation_checkpointing(stage.activation_checkpointing);
  optimizer = restore_optimizer(resume, index);
  event("optimizer", "stage '" + stage.name + "': " + std::to_string(optimizer->state_numel()) +
                         " AdamW state elements on rank " + std::to_string(rank) +
                         (stage.zero1 && world > 1
                              ? " (ZeRO-1: sharded over " + std::to_string(world) + " ranks)"
                              : ""));
  resume.reset();  // consumed: later stages start from the live state
  stage_steps_run = stage_steps_skipped = 0;
  state.stage_index = static_cast<int64_t>(index);
  state.stage_name = stage.name;
  state.optimizer_stage = static_cast<int64_t>(index);
  make_sampler(stage);
  check_ranks_agree(index);
}

// One optimizer step of `stage`: its micro-batches, the update, the state and the metrics row.
void Trainer::Impl::step(const StageConfig& stage, const LrSchedule& schedule) {
  std::vector<Batch> batches;
  for (int64_t m = 0; m < stage.grad_accum; ++m)
    batches.push_back(sampler->next_batch(stage.micro_batch));
  reset_peak_memory(precision.device);
  const auto start = std::chrono::steady_clock::now();
  StepOptions options;
  options.lr = schedule.lr(state.step_in_stage);
  options.clip_grad_norm = stage.clip_grad_norm;
  options.inject_nan = nan_steps.count(state.global_step + 1) > 0;
  options.group = group.get();
  const StepOutcome out = train_step(*model, *optimizer, batches, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ++state.step_in_stage;
  ++state.global_step;
  state.tokens_seen += out.tokens;
  ++stage_steps_run;
  if (out.skipped) {
    ++state.nan_skips;
    ++stage_steps_skipped;
    event("warning", "step " + std::to_string(state.global_step) +
                         ": loss or gradient norm is NaN/Inf; step skipped (" +
                         std::to_string(state.nan_skips) + " of at most " +
                         std::to_string(config.max_nan_skips) + ")");
  }
  record_step(stage, out, seconds);
  if (out.skipped && state.nan_skips >= config.max_nan_skips)
    fail("training", std::to_string(state.nan_skips) +
                         " steps skipped for NaN/Inf loss or gradients (max_nan_skips " +
                         std::to_string(config.max_nan_skips) +
                         "): lower the learning rate, check the data, or use fp32");
}

// After the last step of stage `index`: evaluation, the frozen-part check, and the stage-end
// checkpoint, positioned at the start of the next stage with this stage's optimizer state for
// the carry-over.
void Trainer::Impl::end_stage(size_t index, const FrozenDigests& frozen, const StageInfo& info) {
  const StageConfig& stage = config.schedule.stages[index];
  // Below max_nan_skips, but nothing trained: the run fails rather than export an untrained model.
  if (stage_steps_run > 0 && stage_steps_skipped == stage_steps_run)
    fail("training", "every one of the " + std::to_string(stage_steps_run) + " steps of stage '" +
                         stage.name +
                         "' was skipped for NaN/Inf loss or gradients, so the model did not "
                         "train: lower the learning rate, check the data, or use fp32");
  evaluate(stage.name);
  if (config.verify_frozen)
    check_frozen_unchanged(frozen, frozen_digests(named_params(*model), optimizer->plan()),
                           stage.name);
  state.optimizer_stage = static_cast<int64_t>(index);
  state.stage_index = static_cast<int64_t>(index) + 1;
  state.stage_name = index + 1 < config.schedule.stages.size()
                         ? config.schedule.stages[index + 1].name
                         : std::string();
  state.step_in_stage = 0;
  checkpoint_requested.store(false);
  write_checkpoint_now();
  event("stage_end", "stage " + std::to_string(index + 1) + " '" + stage.name + "' done");
  if (observer) observer->on_stage_end(StageInfo{info.index, info.name, info.total_steps,
                                                 state.global_step});
}

// Trains stage `index` from state.step_in_stage to its end. False when stopped (cancelled).
bool Trainer::Impl::run_stage(size_t index, std::optional<CheckpointData>& resume) {
  const StageConfig& stage = config.schedule.stages[index];
  const int64_t total = stage.total_steps(world);
  const LrSchedule schedule = stage.lr_schedule(world);
  begin_stage(index, resume);
  const FrozenDigests frozen = config.verify_frozen
                                   ? frozen_digests(named_params(*model), optimizer->plan())
                                   : FrozenDigests{};
  const StageInfo info{static_cast<int64_t>(index), stage.name, total, state.global_step};
  event("stage_start", "stage " + std::to_string(index + 1) + " '" + stage.name + "' at step " +
                           std::to_string(state.step_in_stage) + " of " + std::to_string(total));
  if (observer) observer->on_stage_start(info);
  while (state.step_in_stage < total) {
    if (!agree_to_go_on()) return false;
    step(stage, schedule);
    const bool last = state.step_in_stage == total;
    if (!last && stage.eval_every_steps > 0 && state.step_in_stage % stage.eval_every_steps == 0)
      evaluate(stage.name);
    const bool periodic =
        config.checkpoint_every_steps > 0 && state.global_step % config.checkpoint_every_steps == 0;
    if (!last && periodic) write_checkpoint_now();
    control.report(static_cast<double>(state.step_in_stage) / total,
                   "stage " + std::to_string(index + 1) + " '" + stage.name + "' step " +
                       std::to_string(state.step_in_stage) + "/" + std::to_string(total));
  }
  end_stage(index, frozen, info);
  return true;
}

TrainResult Trainer::Impl::run(bool resume) {
  config.validate();
  if (group) {
    rank = group->rank();
    world = group->world_size();
  }
  make_directories(config.run_dir);
  if (config.threads > 0) torch::set_num_threads(static_cast<int>(config.threads));
  precision = TrainPrecision::from(config);
  if (rank == 0) {
    metrics = std::make_unique<MetricsWriter>(config.run_dir + "/metrics.sqlite");
    metrics->set_run("config", config.to_json().dump());
    write_file_atomically(config.run_dir + "/RUN.resolved.json", config.to_json().dump(2));
  }
  try {
    build_model();
    const NamedParams params = named_params(*model);
    std::vector<std::string> names;
    for (const auto& [name, p] : params) names.push_back(name);
    groups = std::make_unique<ParamGroups>(
        ParamGroups::build(names, model->config().vocab_size, base_vocab));
    validate(config.schedule, model->config(), base_vocab, names, world);  // before any compute
    state = TrainState{};
    state.stage_name = config.schedule.stages.front().name;
    std::optional<CheckpointData> resume_data;
    if (resume) resume_data = load_resume_point();
    for (size_t i = state.stage_index; i < config.schedule.stages.size(); ++i) {
      if (!run_stage(i, resume_data)) {
        write_checkpoint_now();
        event("stopped", "stopped at global step " + std::to_string(state.global_step));
        return {"stopped",       state.global_step, state.tokens_seen,
                state.nan_skips, last_checkpoint,   ""};
      }
    }
    const std::string export_dir = config.effective_export_dir();
    if (rank == 0) {
      save_hf_model(*model, export_dir);
      if (!config.tokenizer_path.empty()) copy_tokenizer_files(config.tokenizer_path, export_dir);
      event("export", export_dir);
    }
    return {"finished",      state.global_step, state.tokens_seen,
            state.nan_skips, last_checkpoint,   export_dir};
  } catch (const Error& e) {
    event("error", e.what());  // recorded for the GUI, then passed on
    throw;
  }
}

Trainer::Trainer(RunConfig config, const JobControl& control, TrainerObserver* observer)
    : impl_(std::make_unique<Impl>(std::move(config), control, observer)) {}
Trainer::~Trainer() = default;

void Trainer::set_eval_hook(EvalHook hook) { impl_->eval_hook = std::move(hook); }
void Trainer::set_process_group(std::shared_ptr<ProcessGroup> group) {
  impl_->group = std::move(group);
}
TrainResult Trainer::run() { return impl_->run(impl_->config.resume); }
TrainResult Trainer::run(bool resume) { return impl_->run(resume); }
void Trainer::request_checkpoint() { impl_->checkpoint_requested.store(true); }
void Trainer::pause() { impl_->paused.store(true); }
void Trainer::resume() {
  {
    std::lock_guard<std::mutex> lock(impl_->pause_mutex);
    impl_->paused.store(false);
  }
  impl_->pause_cv.notify_all();
}
bool Trainer::paused() const { return impl_->paused.load(); }
void Trainer::inject_nan_loss_at(std::set<int64_t> global_steps) {
  impl_->nan_steps = std::move(global_steps);
}
LlamaForCausalLMImpl& Trainer::model() {
  if (!impl_->model) fail("Trainer::model", "the model is built by run()");
  return *impl_->model;
}

}  // namespace glossa
