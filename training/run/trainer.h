// The training run: builds or loads the model, resizes the vocabulary, validates the schedule
// before any compute, then trains stage by stage (freeze plan -> masked AdamW -> LR schedule),
// writing metrics (metrics.sqlite), evaluations, events and checkpoints, resuming exactly from
// the newest valid checkpoint, and exporting a Hugging Face folder at the end
// (docs/run-config.md, docs/checkpoints.md). Torch-free header: glossa-train and the backend
// include it; the model and the gradient sync are only forward-declared.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "base/job_control.h"
#include "training/metrics/metrics_store.h"
#include "training/config/run_config.h"

namespace glossa {

class LlamaForCausalLMImpl;
class ProcessGroup;

struct StageInfo {
  int64_t index = 0;        // 0-based stage index
  std::string name;         // the stage's name
  int64_t total_steps = 0;  // optimizer steps of the stage
  int64_t global_step = 0;  // optimizer steps done in the run when the callback fires
};

// Callbacks on the training thread (keep them short; the run waits for them).
class TrainerObserver {
 public:
  virtual ~TrainerObserver() = default;
  virtual void on_stage_start(const StageInfo&) {}
  virtual void on_stage_end(const StageInfo&) {}
  virtual void on_step(const StepRecord&) {}               // also for skipped (NaN) steps
  virtual void on_eval(const std::vector<EvalRecord>&) {}  // what the EvalHook returned
  virtual void on_checkpoint(const std::string& /*dir*/, int64_t /*global_step*/) {}
  virtual void on_event(const std::string& /*kind*/, const std::string& /*message*/) {}
};

// Evaluation during training (held-out loss, benchmarks: the evaluator module builds one from
// RunConfig::heldout / benchmarks). Called under no-grad every stage's eval_every_steps and at
// every stage end. Returns a JSON array of {"set_or_task", "metric", "value", "stderr"
// (optional)} objects, written to metrics.sqlite's evals table.
using EvalHook = std::function<nlohmann::json(LlamaForCausalLMImpl& model, const std::string& stage,
                                              int64_t global_step)>;

struct TrainResult {
  std::string status;           // "finished" (all stages, exported) or "stopped" (cancelled)
  int64_t global_step = 0;      // optimizer steps done in the run
  int64_t tokens_seen = 0;      // training tokens consumed (all ranks)
  int64_t nan_skips = 0;        // skipped steps
  std::string last_checkpoint;  // directory of the last checkpoint written ("" = none)
  std::string export_dir;       // the HF export when finished, else ""
};

class Trainer {
 public:
  // `control` and `observer` (nullable) must outlive the trainer.
  Trainer(RunConfig config, const JobControl& control, TrainerObserver* observer = nullptr);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  void set_eval_hook(EvalHook hook);
  // Data parallel (nullable). Without one the run is rank 0 of 1. Each stage's gradients travel
  // in buckets overlapped with backward; a stage with "zero1" shards the optimizer state.
  void set_process_group(std::shared_ptr<ProcessGroup> group);

  // Runs the schedule; config.resume (or `resume`) continues from the newest valid checkpoint.
  // Throws Error for invalid configs, data, NaN limits, frozen tensors that moved, I/O errors.
  // Cancellation (JobControl) writes a checkpoint and returns status "stopped".
  TrainResult run();
  TrainResult run(bool resume);

  // Control channel (thread-safe; honoured between optimizer steps).
  void request_checkpoint();  // write a checkpoint after the current step
  void pause();               // block between steps (no busy wait) until resume() or cancel
  void resume();
  bool paused() const;

  // Test hook: the loss of these global steps (1-based) is multiplied by NaN before backward,
  // as a real overflow would make it.
  void inject_nan_loss_at(std::set<int64_t> global_steps);

  // The model of the run (valid after run() began; for tests and the evaluator).
  LlamaForCausalLMImpl& model();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace glossa
