// The control channel of a training run: how the backend (or a user with `glossa-train control`)
// asks a running glossa-train to pause, resume, write a checkpoint now or stop, and how the run
// reports its state back. Files in the run directory, so it works the same under the backend,
// torchrun or srun and needs no listening socket on a compute node (docs/glossa-train.md):
//   RUN_DIR/control.json  {"id": N, "command": "pause|resume|checkpoint|stop"}  (written by
//                         clients, atomically; a command is applied once, when id grows)
//   RUN_DIR/status.json   {"state", "pid", "global_step", "stage", "control_id", ...}  (written
//                         by rank 0, atomically)
// Torch-free and Qt-free.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

namespace glossa {

struct ControlCommand {
  int64_t id = 0;       // strictly increasing per run directory
  std::string command;  // pause | resume | checkpoint | stop
};

// True for the four commands above.
bool is_control_command(const std::string& command);

// RUN_DIR/control.json, or nullopt when there is none. Throws Error naming the file and the
// field for malformed content (invalid JSON, a missing or mistyped field, an unknown command).
std::optional<ControlCommand> read_control(const std::string& run_dir);

// Writes the next command (id = the current file's id + 1, or 1) atomically and returns it.
// Throws Error for an unknown command, a run directory that does not exist, or a run whose
// status.json says it has finished, stopped or failed (nothing would read the command).
ControlCommand send_control(const std::string& run_dir, const std::string& command);

// RUN_DIR/status.json: written atomically (readers never see half a file); nullopt when absent.
void write_status(const std::string& run_dir, const nlohmann::json& status);
std::optional<nlohmann::json> read_status(const std::string& run_dir);

// Polls RUN_DIR/control.json on its own thread and calls `apply` once for every new command
// (ids above the one present when the watcher started are new: a command left over from an
// earlier run is not replayed). A malformed file is reported once through `on_error` and
// otherwise ignored, so a bad write never kills a training run.
class ControlWatcher {
 public:
  using Apply = std::function<void(const ControlCommand&)>;
  using OnError = std::function<void(const std::string& message)>;

  ControlWatcher(std::string run_dir, Apply apply, OnError on_error,
                 std::chrono::milliseconds period = std::chrono::milliseconds(200));
  ~ControlWatcher();  // stops and joins the thread
  ControlWatcher(const ControlWatcher&) = delete;
  ControlWatcher& operator=(const ControlWatcher&) = delete;

  int64_t last_id() const { return last_id_.load(); }  // the newest command applied (or skipped)

 private:
  void poll();
  void loop();

  std::string run_dir_;
  Apply apply_;
  OnError on_error_;
  std::chrono::milliseconds period_;
  std::atomic<int64_t> last_id_{0};
  std::string last_error_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace glossa
