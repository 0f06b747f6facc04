// What glossa-train's rank 0 tells the world while it trains: a line per step on stdout and
// RUN_DIR/status.json (train_control.h) on every state change and at most once a second in
// between. It is also where control commands (pause, resume, checkpoint, stop) reach the
// trainer. Other ranks only keep quiet.
#pragma once

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "training/metrics/train_control.h"
#include "base/job_control.h"
#include "training/run/trainer.h"

namespace glossa {

class StatusReporter : public TrainerObserver {
 public:
  StatusReporter(std::string run_dir, bool rank0);
  void attach(Trainer* trainer) { trainer_ = trainer; }

  // Control commands, from the watcher thread.
  void apply(const ControlCommand& command, JobControl& job);
  void warn(const std::string& message);  // a problem worth a line, not an error

  void finish(const TrainResult& result);
  void fail(const std::string& message);

  void on_stage_start(const StageInfo& stage) override;
  void on_stage_end(const StageInfo& stage) override;
  void on_step(const StepRecord& step) override;
  void on_eval(const std::vector<EvalRecord>& evals) override;
  void on_checkpoint(const std::string& dir, int64_t global_step) override;
  void on_event(const std::string& kind, const std::string& message) override;

 private:
  // Sets fields of the status and writes it (throttled unless `force`). Caller holds mutex_.
  void update(const nlohmann::json& fields, bool force);

  std::string run_dir_;
  bool rank0_;
  Trainer* trainer_ = nullptr;
  std::mutex mutex_;
  nlohmann::json status_;
  int64_t stage_steps_ = 0;
  std::chrono::steady_clock::time_point last_write_{};
};

}  // namespace glossa
