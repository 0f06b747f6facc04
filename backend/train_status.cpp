#include "backend/train_status.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>

namespace glossa {
namespace {

double unix_now() { return double(std::time(nullptr)); }

std::string format_double(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

}  // namespace

StatusReporter::StatusReporter(std::string run_dir, bool rank0)
    : run_dir_(std::move(run_dir)), rank0_(rank0) {
  status_ = {{"state", "starting"}, {"pid", int64_t(::getpid())}, {"global_step", 0},
             {"stage", ""},         {"stage_index", -1},           {"control_id", 0},
             {"started", unix_now()}};
  std::lock_guard lock(mutex_);
  update({}, true);
}

void StatusReporter::update(const nlohmann::json& fields, bool force) {
  if (!rank0_) return;
  for (const auto& [key, value] : fields.items()) status_[key] = value;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_write_ < std::chrono::seconds(1)) return;
  status_["updated"] = unix_now();
  write_status(run_dir_, status_);
  last_write_ = now;
}

void StatusReporter::apply(const ControlCommand& command, JobControl& job) {
  std::lock_guard lock(mutex_);
  std::cout << "glossa-train: control " << command.id << ": " << command.command << std::endl;
  if (command.command == "pause") {
    if (trainer_) trainer_->pause();
    update({{"state", "paused"}, {"control_id", command.id}}, true);
  } else if (command.command == "resume") {
    if (trainer_) trainer_->resume();
    status_.erase("paused_at_step");
    update({{"state", "running"}, {"control_id", command.id}}, true);
  } else if (command.command == "checkpoint") {
    if (trainer_) trainer_->request_checkpoint();
    update({{"control_id", command.id}, {"checkpoint_requested", true}}, true);
  } else if (command.command == "stop") {
    job.cancel();                     // the trainer checkpoints and returns "stopped"
    if (trainer_) trainer_->resume();  // a paused run must wake up to stop
    update({{"state", "stopping"}, {"control_id", command.id}}, true);
  }
}

void StatusReporter::warn(const std::string& message) {
  std::lock_guard lock(mutex_);
  if (rank0_) std::cerr << "glossa-train: warning: " << message << std::endl;
  update({{"last_warning", message}}, true);
}

void StatusReporter::finish(const TrainResult& result) {
  std::lock_guard lock(mutex_);
  update({{"state", result.status},
          {"global_step", result.global_step},
          {"tokens", result.tokens_seen},
          {"nan_skips", result.nan_skips},
          {"last_checkpoint", result.last_checkpoint},
          {"export_dir", result.export_dir}},
         true);
}

void StatusReporter::fail(const std::string& message) {
  std::lock_guard lock(mutex_);
  update({{"state", "failed"}, {"error", message}}, true);
}

void StatusReporter::on_stage_start(const StageInfo& stage) {
  std::lock_guard lock(mutex_);
  stage_steps_ = stage.total_steps;
  if (rank0_)
    std::cout << "stage " << stage.index + 1 << " '" << stage.name << "': " << stage.total_steps
              << " steps" << std::endl;
  const bool paused = status_.value("state", "") == "paused";
  update({{"state", paused ? "paused" : "running"},
          {"stage", stage.name},
          {"stage_index", stage.index},
          {"stage_steps", stage.total_steps},
          {"global_step", stage.global_step}},
         true);
}

void StatusReporter::on_stage_end(const StageInfo& stage) {
  std::lock_guard lock(mutex_);
  if (rank0_) std::cout << "stage " << stage.index + 1 << " '" << stage.name << "' done" << std::endl;
  update({{"global_step", stage.global_step}}, true);
}

void StatusReporter::on_step(const StepRecord& step) {
  std::lock_guard lock(mutex_);
  if (rank0_) {
    std::cout << "step " << step.step << " [" << step.stage << "] loss "
              << format_double("%.4f", step.loss) << " grad_norm "
              << format_double("%.3g", step.grad_norm) << " tok/s "
              << format_double("%.0f", step.tokens_per_s) << std::endl;
  }
  update({{"global_step", step.step},
          {"tokens", step.tokens},
          {"loss", std::isfinite(step.loss) ? nlohmann::json(step.loss) : nlohmann::json()},
          {"tokens_per_s", step.tokens_per_s}},
         // The step that was in flight when a pause arrived is written at once: while paused
         // no later step would refresh a throttled status.
         status_.value("state", "") == "paused");
}

void StatusReporter::on_eval(const std::vector<EvalRecord>& evals) {
  std::lock_guard lock(mutex_);
  if (!rank0_) return;
  for (const EvalRecord& e : evals)
    std::cout << "eval step " << e.step << " " << e.set_or_task << " " << e.metric << " "
              << format_double("%.4f", e.value) << std::endl;
}

void StatusReporter::on_checkpoint(const std::string& dir, int64_t global_step) {
  std::lock_guard lock(mutex_);
  if (rank0_) std::cout << "checkpoint " << dir << " (step " << global_step << ")" << std::endl;
  update({{"last_checkpoint", dir}, {"checkpoint_requested", false}}, true);
}

void StatusReporter::on_event(const std::string& kind, const std::string& message) {
  std::lock_guard lock(mutex_);
  // Stage and checkpoint events have their own stdout lines; the rest (warnings, export,
  // resume) go to stderr once.
  // Errors are printed once, by whoever catches them (glossa-train's main).
  if (!rank0_ || kind == "checkpoint" || kind == "stage_start" || kind == "stage_end" ||
      kind == "error")
    return;
  std::cerr << "glossa-train: " << kind << ": " << message << std::endl;
  if (kind == "warning") update({{"last_warning", message}}, true);
  // "paused" is the trainer holding between two steps (the step in flight when the command came
  // has been written): a watcher waits for this field instead of guessing how long a step takes.
  if (kind == "paused") update({{"paused_at_step", status_.value("global_step", int64_t(0))}}, true);
  if (kind == "resumed" && status_.erase("paused_at_step") > 0) update({}, true);
}

}  // namespace glossa
