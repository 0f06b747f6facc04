// Shared by the run supervisor's tests (test_run_supervisor.cpp, test_run_watch.cpp): the tiny
// random-model run of test_glossa_train (shards and RUN.json written into a temporary folder), an
// event sink that collects the supervisor's notifications and waits on them with a deadline, and
// the helpers both files use to read the stream and the run directory.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "backend/backend_store.h"
#include "backend/run_supervisor.h"
#include "base/file_util.h"
#include "base/sqlite_db.h"
#include "protocol/rpc_message.h"
#include "support/shard_fixture.h"
#include "support/tiny_run.h"
#include "support/test_support.h"
#include "training/metrics/metrics_store.h"
#include "training/metrics/train_control.h"

namespace glossa::backend::run_test {

using test::documents;
using test::run_object;
using test::write_run;

using namespace std::chrono_literals;
using nlohmann::json;

inline const QString kTrain = QStringLiteral(GLOSSA_BIN_DIR "/glossa-train");
inline constexpr auto kDeadline =
    180s;  // a run's start (LibTorch) and a few dozen steps, loaded machine

// The supervisor's event stream, collected from its watcher thread.
class Events {
 public:
  EventSink sink() {
    return [this](Event e) {
      std::lock_guard lock(mutex_);
      events_.push_back(std::move(e));
      changed_.notify_all();
    };
  }
  // Waits (no fixed sleep) until `done` holds for the events so far, at most kDeadline.
  bool wait(const std::function<bool(const std::vector<Event>&)>& done) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kDeadline, [&] { return done(events_); });
  }
  std::vector<Event> all() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Event> events_;
};

// Steps of the run.metrics rows of run `id` from event `from` on, in arrival order.
inline std::vector<int64_t> steps_of(const std::vector<Event>& events, int64_t id,
                                     size_t from = 0) {
  std::vector<int64_t> steps;
  for (size_t i = from; i < events.size(); ++i)
    if (events[i].method == "run.metrics" && events[i].params["id"] == id)
      for (const json& row : events[i].params["rows"]) steps.push_back(row["step"].get<int64_t>());
  return steps;
}

inline int64_t max_step(const std::vector<Event>& events, int64_t id, size_t from = 0) {
  const auto steps = steps_of(events, id, from);
  return steps.empty() ? 0 : *std::max_element(steps.begin(), steps.end());
}

inline bool reached_state(const std::vector<Event>& events, int64_t id, const std::string& state) {
  for (const Event& e : events)
    if (e.method == "run.state" && e.params["id"] == id && e.params["state"] == state) return true;
  return false;
}

// Polls run.get until `done` holds for the RunInfo, at most kDeadline.
inline bool wait_run(RunSupervisor& s, int64_t id, const std::function<bool(const json&)>& done) {
  const auto end = std::chrono::steady_clock::now() + kDeadline;
  while (std::chrono::steady_clock::now() < end) {
    if (done(s.get({{"id", id}})["run"])) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// The protocol error `f` throws (code 0 when none).
inline protocol::RpcError rpc_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const protocol::RpcException& e) {
    return e.error();
  }
  return {0, "", nullptr};
}

inline RunSupervisorOptions options() {
  RunSupervisorOptions o;
  o.train_program = kTrain.toStdString();
  o.poll_ms = 25;
  o.log_tail_lines = 40;
  return o;
}

// The newest checkpoint folder's step (checkpoints/step-XXXXXXXX), 0 when none.
inline int64_t newest_checkpoint(const std::string& run_dir) {
  int64_t newest = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(run_dir + "/checkpoints", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() == 13 && name.rfind("step-", 0) == 0)
      newest = std::max<int64_t>(newest, std::stoll(name.substr(5)));
  }
  return newest;
}

// A run directory without a trainer: metrics.sqlite with `n` steps (lr_json lists group "b"
// first) and a status.json, as another launcher leaves them.
inline void write_synthetic_run(const std::string& run_dir, int64_t n) {
  std::filesystem::create_directories(run_dir);
  { MetricsWriter writer(run_dir + "/metrics.sqlite"); }  // the tables
  SqliteDb db(run_dir + "/metrics.sqlite");
  SqliteStatement insert(db,
                         "INSERT INTO steps(step, stage, tokens, loss, lr_json, time) "
                         "VALUES(?1, 'all', ?2, 1.5, '{\"b\": 0.5, \"a\": 0.25}', ?3)");
  for (int64_t step = 1; step <= n; ++step)
    insert.bind(1, step).bind(2, step * 64).bind(3, 1795430000.0 + double(step)).run();
  write_status(run_dir, {{"state", "running"}, {"pid", 1}, {"global_step", n}});
}

// The parent pid of a process from /proc/PID/stat (after the command name's last ')'), or -1.
inline int64_t parent_of(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 1));
  std::string state;
  int64_t ppid = -1;
  fields >> state >> ppid;
  return ppid;
}

inline std::string command_of(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string argv0;
  std::getline(in, argv0, '\0');
  return argv0;
}

inline double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Trainers a test started, killed when it ends early: a failed check returns from the test
// function, and a trainer with a 100000-step budget in its own session would run on. Only this
// process's children are signalled (a reaped pid may be reused); trainers started outside the
// supervisor only while their command line still names glossa-train.
class TrainerReaper {
 public:
  // The run of a start / resume result, its pids noted.
  json track(const json& result) {
    for (const json& pid : result["run"]["pids"]) pids_.push_back(pid.get<int64_t>());
    return result["run"];
  }
  void track_detached(int64_t pid, std::unique_ptr<QProcess> launcher) {
    detached_.push_back(pid);
    launcher_ = std::move(launcher);
  }
  void reap() {
    for (const int64_t pid : pids_) {
      if (parent_of(pid) != ::getpid()) continue;
      ::kill(pid_t(pid), SIGKILL);
      ::waitpid(pid_t(pid), nullptr, 0);
    }
    pids_.clear();
    for (const int64_t pid : detached_)
      if (command_of(pid).find("glossa-train") != std::string::npos) ::kill(pid_t(pid), SIGKILL);
    detached_.clear();
    if (launcher_) launcher_->waitForFinished(30000);
    launcher_.reset();
  }

 private:
  std::vector<int64_t> pids_;
  std::vector<int64_t> detached_;       // trainers started outside the supervisor: not children
  std::unique_ptr<QProcess> launcher_;  // the shell that started them
};

}  // namespace glossa::backend::run_test
