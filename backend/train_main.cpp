// glossa-train: one training process per device (docs/glossa-train.md).
//   glossa-train RUN.json [--resume] [--dry-run]      run (or only check and print) a training run
//   glossa-train control RUN_DIR pause|resume|checkpoint|stop
//   glossa-train status RUN_DIR
// Rank and world come from torchrun / SLURM variables (training/config/run_environment.h). Rank 0 prints
// the effective configuration, a line per step, writes RUN_DIR/status.json and follows
// RUN_DIR/control.json. Exit codes: 0 finished or stopped on request, 1 error, 2 usage,
// 130 interrupted (SIGINT/SIGTERM: a checkpoint is written first).
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <cstdio>
#include <iostream>
#include <string>

#include "training/metrics/train_control.h"
#include "backend/train_status.h"
#include "base/error.h"
#include "base/job_control.h"
#include "training/kernels/cpu_memory.h"
#include "training/distributed/data_parallel.h"
#include "training/run/device_memory.h"
#include "training/eval/eval_hook.h"
#include "training/config/run_config.h"
#include "training/config/run_environment.h"
#include "training/config/run_memory.h"
#include "training/config/run_preflight.h"
#include "training/run/trainer.h"

namespace {

using namespace glossa;

glossa::JobControl* g_job = nullptr;
volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_signal(int) {
  g_interrupted = 1;
  if (g_job) g_job->cancel();  // an atomic store: async-signal-safe
}

// The memory estimate of every stage (docs/distributed.md) before any compute; a stage over its
// budget is a warning, not an error: the estimate is an upper bound.
void print_memory_check(const RunConfig& config, int world_size) {
  std::string why;
  int64_t device_bytes = device_memory_bytes(config.device, &why);
  std::string assumed;
  if (device_bytes <= 0) {  // preparing a GPU run on a machine without one
    device_bytes = 80LL << 30;
    assumed = " (" + config.device + " not readable here: " + why + "; assuming 80 GiB)";
  }
  const RunMemoryCheck check = check_run_memory(config, world_size, device_bytes);
  std::cout << "\nmemory per rank (estimate, docs/distributed.md)" << assumed << ":\n"
            << check.table;
  for (const std::string& warning : check.not_fitting)
    std::cout << "glossa-train: warning: " << warning << "\n";
  std::cout << std::flush;
}

// Every check of the run before any compute (run_preflight.h). A failed check of a real run goes
// to status.json too (`status` is null for a dry run, which writes nothing).
RunPreflight check_run(const RunConfig& config, int world_size, bool rank0,
                       StatusReporter* status) {
  RunPreflight preflight;
  try {
    preflight = preflight_run(config, world_size);
  } catch (const std::exception& e) {
    if (status) status->fail(e.what());
    throw;
  }
  if (rank0)
    std::cout << "checks passed: model " << preflight.model.vocab_size << " x "
              << preflight.model.hidden_size << " embeddings (" << preflight.base_vocab
              << " before the resize), " << config.schedule.stages.size() << " stages, "
              << config.data.sources.size() << " training source(s), "
              << preflight.heldout.size() << " held-out set(s), " << preflight.tasks.size()
              << " benchmark(s)" << std::endl;
  return preflight;
}

// The training itself, with the control channel (rank 0) and status.json.
int train(const RunConfig& config, const RunEnvironment& env, RunPreflight preflight,
          StatusReporter& status) {
  const bool rank0 = env.rank == 0;
  JobControl job;
  g_job = &job;
  Trainer trainer(config, job, &status);
  trainer.set_eval_hook(make_eval_hook(config, job, std::move(preflight)));
  // Data parallel: every rank trains on its rows of each global batch; rank 0 writes metrics,
  // checkpoints and the export. Collectives time out after GLOSSA_DP_TIMEOUT_S (default 600).
  if (env.distributed()) {
    const char* timeout = std::getenv("GLOSSA_DP_TIMEOUT_S");
    trainer.set_process_group(
        join_process_group(env, config.device, timeout ? std::atoi(timeout) : 600));
  }
  status.attach(&trainer);
  std::optional<ControlWatcher> watcher;
  if (rank0) {
    watcher.emplace(
        config.run_dir, [&](const ControlCommand& c) { status.apply(c, job); },
        [&](const std::string& message) { status.warn(message); });
  }
  try {
    const TrainResult result = trainer.run();
    watcher.reset();
    status.finish(result);
    if (rank0)
      std::cout << "glossa-train: " << result.status << " after " << result.global_step
                << " steps, " << result.tokens_seen << " tokens"
                << (result.export_dir.empty() ? "" : "; exported to " + result.export_dir)
                << std::endl;
    g_job = nullptr;
    return g_interrupted ? 130 : 0;
  } catch (const std::exception& e) {
    watcher.reset();
    status.fail(e.what());
    g_job = nullptr;
    throw;
  }
}

int run_training(const std::string& config_path, bool resume, bool dry_run) {
  RunConfig config = RunConfig::load(config_path);
  if (resume) config.resume = true;
  const RunEnvironment env = run_environment_from_process();
  const bool rank0 = env.rank == 0;
  if (rank0) {
    std::cout << "glossa-train " << config_path << " (rank " << env.rank << " of "
              << env.world_size << ", " << env.launcher << ")\n"
              << config.table() << std::flush;
    print_memory_check(config, env.world_size);
  }
  if (dry_run) {
    check_run(config, env.world_size, rank0, nullptr);
    return 0;
  }
  if (rank0) {  // status.json lives there
    std::error_code ec;
    std::filesystem::create_directories(config.run_dir, ec);
    if (ec) fail("run_dir", config.run_dir + ": cannot create the run folder: " + ec.message());
  }
  StatusReporter status(config.run_dir, rank0);
  RunPreflight preflight = check_run(config, env.world_size, rank0, &status);
  return train(config, env, std::move(preflight), status);
}

int control(const std::string& run_dir, const std::string& command) {
  const ControlCommand sent = send_control(run_dir, command);
  std::cout << "sent '" << sent.command << "' (id " << sent.id << ") to " << run_dir << std::endl;
  return 0;
}

int show_status(const std::string& run_dir) {
  const auto status = read_status(run_dir);
  if (!status) fail(run_dir, "no status.json: the run has not started here");
  std::cout << status->dump(2) << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"glossa-train: one training process per device (torchrun / SLURM compatible)"};
  app.require_subcommand(0, 1);
  std::string config_path, run_dir, command;
  bool resume = false, dry_run = false;
  app.add_option("config", config_path, "RUN.json (docs/run-config.md)");
  app.add_flag("--resume", resume, "Continue from the newest valid checkpoint in run_dir");
  app.add_flag("--dry-run", dry_run, "Check the configuration and print it; train nothing");
  CLI::App* control_cmd = app.add_subcommand("control", "Ask a running training to act");
  control_cmd->add_option("run_dir", run_dir, "The run directory")->required();
  control_cmd->add_option("command", command, "pause | resume | checkpoint | stop")->required();
  CLI::App* status_cmd = app.add_subcommand("status", "Print a run's status.json");
  status_cmd->add_option("run_dir", run_dir, "The run directory")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  keep_freed_cpu_memory();
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    if (*control_cmd) return control(run_dir, command);
    if (*status_cmd) return show_status(run_dir);
    if (config_path.empty()) {
      std::cerr << app.help() << "glossa-train: give RUN.json or a subcommand\n";
      return 2;
    }
    return run_training(config_path, resume, dry_run);
  } catch (const CancelledError&) {
    std::cerr << "glossa-train: interrupted\n";
    return 130;
  } catch (const std::exception& e) {
    std::cerr << "glossa-train: error: " << e.what() << "\n";
    return 1;
  }
}
