#include "training/metrics/train_control.h"

#include <filesystem>

#include "base/error.h"
#include "base/file_util.h"

namespace glossa {
namespace {

std::string control_path(const std::string& run_dir) { return run_dir + "/control.json"; }
std::string status_path(const std::string& run_dir) { return run_dir + "/status.json"; }

}  // namespace

bool is_control_command(const std::string& command) {
  return command == "pause" || command == "resume" || command == "checkpoint" ||
         command == "stop";
}

std::optional<ControlCommand> read_control(const std::string& run_dir) {
  const std::string path = control_path(run_dir);
  if (!std::filesystem::exists(path)) return std::nullopt;
  const nlohmann::json json = nlohmann::json::parse(read_file(path), nullptr, false);
  if (json.is_discarded() || !json.is_object()) fail(path, "not a JSON object");
  const auto id = json.find("id");
  if (id == json.end() || !id->is_number_integer() || id->get<int64_t>() < 1)
    fail(path, "field 'id' must be an integer >= 1");
  const auto command = json.find("command");
  if (command == json.end() || !command->is_string())
    fail(path, "field 'command' must be a string");
  ControlCommand result{id->get<int64_t>(), command->get<std::string>()};
  if (!is_control_command(result.command))
    fail(path, "unknown command '" + result.command + "' (pause, resume, checkpoint, stop)");
  return result;
}

ControlCommand send_control(const std::string& run_dir, const std::string& command) {
  if (!is_control_command(command))
    fail("send_control", "unknown command '" + command + "' (pause, resume, checkpoint, stop)");
  if (!std::filesystem::is_directory(run_dir))
    fail(run_dir, "no such run directory");
  // A command to a run that has ended would wait forever for a reader.
  if (const auto status = read_status(run_dir)) {
    const std::string state = status->value("state", "");
    if (state == "finished" || state == "stopped" || state == "failed")
      fail(run_dir, "the run has " + std::string(state == "failed" ? "failed" : state) +
                        " (at global step " + std::to_string(status->value("global_step", 0)) +
                        "): no process reads commands any more; to train on, start it again "
                        "with glossa-train RUN.json --resume");
  }
  int64_t previous = 0;
  try {
    if (const auto current = read_control(run_dir)) previous = current->id;
  } catch (const Error&) {
    previous = 0;  // a broken file is replaced; the watcher reported it already
  }
  const ControlCommand next{previous + 1, command};
  const nlohmann::json json = {{"id", next.id}, {"command", next.command}};
  write_file_atomically(control_path(run_dir), json.dump() + "\n");
  return next;
}

void write_status(const std::string& run_dir, const nlohmann::json& status) {
  write_file_atomically(status_path(run_dir), status.dump(2) + "\n");
}

std::optional<nlohmann::json> read_status(const std::string& run_dir) {
  const std::string path = status_path(run_dir);
  if (!std::filesystem::exists(path)) return std::nullopt;
  nlohmann::json json = nlohmann::json::parse(read_file(path), nullptr, false);
  if (json.is_discarded()) fail(path, "invalid JSON");
  return json;
}

ControlWatcher::ControlWatcher(std::string run_dir, Apply apply, OnError on_error,
                               std::chrono::milliseconds period)
    : run_dir_(std::move(run_dir)),
      apply_(std::move(apply)),
      on_error_(std::move(on_error)),
      period_(period) {
  try {
    if (const auto existing = read_control(run_dir_)) last_id_ = existing->id;
  } catch (const Error& e) {
    last_error_ = e.what();
    if (on_error_) on_error_(last_error_);
  }
  thread_ = std::thread([this] { loop(); });
}

ControlWatcher::~ControlWatcher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ControlWatcher::poll() {
  std::optional<ControlCommand> command;
  try {
    command = read_control(run_dir_);
    last_error_.clear();
  } catch (const Error& e) {
    if (e.what() != last_error_ && on_error_) on_error_(e.what());  // once per distinct problem
    last_error_ = e.what();
    return;
  }
  if (!command || command->id <= last_id_) return;
  last_id_ = command->id;
  try {
    apply_(*command);
  } catch (const std::exception& e) {  // reported, not fatal: the run goes on
    if (on_error_) on_error_(std::string("control command '") + command->command + "': " + e.what());
  }
}

void ControlWatcher::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    poll();
    lock.lock();
    wake_.wait_for(lock, period_, [this] { return stopping_; });
  }
}

}  // namespace glossa
