// The trainer's state and steps (Trainer::Impl), shared by trainer.cpp (the run loop) and
// trainer_checkpoints.cpp (checkpoints, resume and optimizer carry-over). Internal to
// training/run; exposes torch.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "base/error.h"
#include "training/data/batch_sampler.h"
#include "training/io/train_checkpoint.h"
#include "training/model/llama_model.h"
#include "training/optim/frozen_digest.h"
#include "training/optim/step_optimizer.h"
#include "training/run/train_metrics.h"
#include "training/run/trainer.h"
#include "training/run/training_step.h"

namespace glossa {

class ParamGroups;
class ProcessGroup;

// Every dtype decision of a run in one place (docs/run-config.md, "Precision"): float32;
// bf16-mixed (the CUDA default): bf16 parameters, activations and gradients, float32 master
// copies and AdamW moments of the trainable rows in the optimizer (masked_adamw.h); pure
// bfloat16: everything bf16, no masters. The loss is computed from float32 logits in every mode
// (training_step.cpp).
struct TrainPrecision {
  torch::Device device = torch::kCPU;
  torch::Dtype dtype = torch::kFloat32;  // of the model's parameters (what computes)
  bool fp32_master = false;              // bf16-mixed

  static TrainPrecision from(const RunConfig& c) {
    const std::string dtype = c.effective_dtype();
    TrainPrecision p{torch::Device(c.device),
                     dtype == "float32" ? torch::kFloat32 : torch::kBFloat16,
                     dtype == "bf16-mixed"};
    if (p.device.is_cuda() && !torch::cuda::is_available())
      fail("RUN.json: device", "\"" + c.device + "\" requested but no CUDA device is available");
    return p;
  }
};

// (name, parameter) of every parameter, in model order.
NamedParams named_params(LlamaForCausalLMImpl& model);


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
  int64_t stage_steps_run = 0, stage_steps_skipped = 0;  // this stage, in this process

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
  void begin_stage(size_t index, std::optional<CheckpointData>& resume);
  void step(const StageConfig& stage, const LrSchedule& schedule);
  void end_stage(size_t index, const FrozenDigests& frozen, const StageInfo& info);
  bool run_stage(size_t index, std::optional<CheckpointData>& resume);
  void record_step(const StageConfig& stage, const StepOutcome& out, double seconds);
  TrainResult run(bool resume);
};

}  // namespace glossa
