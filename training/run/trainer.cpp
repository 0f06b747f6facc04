#include "training/run/trainer.h"

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

// Every dtype decision of a run in one place (docs/run-config.md, "Precision"): fp32 anywhere;
// bf16 parameters, gradients and AdamW moments on CUDA (no fp32 master weights); the loss is
// computed from float32 logits either way (training_step.cpp).
struct TrainPrecision {
  torch::Device device = torch::kCPU;
  torch::Dtype dtype = torch::kFloat32;

  static TrainPrecision from(const RunConfig& c) {
    TrainPrecision p{torch::Device(c.device),
                     c.dtype == "bfloat16" ? torch::kBFloat16 : torch::kFloat32};
    if (p.device.is_cuda() && !torch::cuda::is_available())
      fail("RUN.json: device", "\"" + c.device + "\" requested but no CUDA device is available");
    return p;
  }
};

NamedParams named_params(LlamaForCausalLMImpl& model) {
  NamedParams out;
  for (const auto& item : model.named_parameters()) out.emplace_back(item.key(), item.value());
  return out;
}

}  // namespace

struct Trainer::Impl {
  RunConfig config;
  const JobControl& control;
  TrainerObserver* observer;
  EvalHook eval_hook;
  std::shared_ptr<ProcessGroup> group;  // null: one process
  std::set<int64_t> nan_steps;
  std::atomic<bool> checkpoint_requested{false};
  std::atomic<bool> paused{false};
  std::mutex pause_mutex;
  std::condition_variable pause_cv;

  TrainPrecision precision;
  LlamaForCausalLM model{nullptr};
  int64_t base_vocab = 0;
  std::unique_ptr<ParamGroups> groups;
  std::unique_ptr<MetricsWriter> metrics;  // rank 0 only
  std::unique_ptr<BatchSampler> sampler;
  std::unique_ptr<StepOptimizer> optimizer;
  TrainState state;
  std::string last_checkpoint;
  int rank = 0, world = 1;

  Impl(RunConfig c, const JobControl& jc, TrainerObserver* o)
      : config(std::move(c)), control(jc), observer(o) {}

  std::string checkpoints_dir() const { return config.run_dir + "/checkpoints"; }

  void event(const std::string& kind, const std::string& message) {
    if (metrics) metrics->write_event(kind, message);
    if (observer) observer->on_event(kind, message);
  }

  void build_model();
  void resize_vocabulary();
  void load_model_tensors(const CheckpointData& data);
  std::optional<CheckpointData> load_resume_point();
  std::unique_ptr<StepOptimizer> make_optimizer(size_t stage_index);
  OptimizerState previous_stage_state(size_t ended_stage, std::string* source);
  std::unique_ptr<StepOptimizer> restore_optimizer(const std::optional<CheckpointData>& resume,
                                                   size_t stage_index);
  void make_sampler(const StageConfig& stage);
  void write_checkpoint_now();
  void evaluate(const std::string& stage);
  bool agree_to_go_on();
  void check_ranks_agree(size_t stage_index);
  bool run_stage(size_t index, std::optional<CheckpointData>& resume);
  void record_step(const StageConfig& stage, const StepOutcome& out, double seconds);
  TrainResult run(bool resume);
};

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
  return make_step_optimizer(params, std::move(plan), AdamWSettings::from_stage(stage), options);
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

void Trainer::Impl::make_sampler(const StageConfig& stage) {
  DataConfig data = config.data;
  data.seq_len = stage.seq_len;
  const nlohmann::json position = sampler ? sampler->state() : state.sampler;
  sampler = std::make_unique<BatchSampler>(data, model->config().vocab_size, rank, world);
  if (!position.is_null()) sampler->restore(position);
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

void Trainer::Impl::evaluate(const std::string& stage) {
  if (!eval_hook) return;
  torch::NoGradGuard no_grad;
  const nlohmann::json results = eval_hook(*model, stage, state.global_step);
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

// Trains stage `index` from state.step_in_stage to its end. False when stopped (cancelled).
bool Trainer::Impl::run_stage(size_t index, std::optional<CheckpointData>& resume) {
  const StageConfig& stage = config.schedule.stages[index];
  const int64_t total = stage.total_steps(world);
  const LrSchedule schedule = stage.lr_schedule(world);
  model->set_activation_checkpointing(stage.activation_checkpointing);
  optimizer = restore_optimizer(resume, index);
  event("optimizer", "stage '" + stage.name + "': " + std::to_string(optimizer->state_numel()) +
                         " AdamW state elements on rank " + std::to_string(rank) +
                         (stage.zero1 && world > 1
                              ? " (ZeRO-1: sharded over " + std::to_string(world) + " ranks)"
                              : ""));
  resume.reset();  // consumed: later stages start from the live state
  state.stage_index = static_cast<int64_t>(index);
  state.stage_name = stage.name;
  state.optimizer_stage = static_cast<int64_t>(index);
  make_sampler(stage);
  check_ranks_agree(index);
  const FrozenDigests frozen = config.verify_frozen
                                   ? frozen_digests(named_params(*model), optimizer->plan())
                                   : FrozenDigests{};
  const StageInfo info{static_cast<int64_t>(index), stage.name, total, state.global_step};
  event("stage_start", "stage " + std::to_string(index + 1) + " '" + stage.name + "' at step " +
                           std::to_string(state.step_in_stage) + " of " + std::to_string(total));
  if (observer) observer->on_stage_start(info);
  while (state.step_in_stage < total) {
    if (!agree_to_go_on()) return false;
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
    if (out.skipped) {
      ++state.nan_skips;
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
  evaluate(stage.name);
  if (config.verify_frozen)
    check_frozen_unchanged(frozen, frozen_digests(named_params(*model), optimizer->plan()),
                           stage.name);
  // Stage-end checkpoint: positioned at the start of the next stage, with this stage's
  // optimizer state for the carry-over.
  state.optimizer_stage = static_cast<int64_t>(index);
  state.stage_index = static_cast<int64_t>(index) + 1;
  state.stage_name = index + 1 < config.schedule.stages.size()
                         ? config.schedule.stages[index + 1].name
                         : std::string();
  state.step_in_stage = 0;
  checkpoint_requested.store(false);
  write_checkpoint_now();
  event("stage_end", "stage " + std::to_string(index + 1) + " '" + stage.name + "' done");
  if (observer) observer->on_stage_end(StageInfo{info.index, info.name, total, state.global_step});
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
