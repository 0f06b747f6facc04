#include "jobs/child_job.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <optional>

#include "base/error.h"
#include "base/process_pipe.h"

extern char** environ;

namespace glossa::jobs {

namespace {

constexpr auto kTermGrace = std::chrono::seconds(10);  // SIGTERM, then SIGKILL after this
constexpr int kPollMs = 100;                           // how often the child's exit is checked
constexpr size_t kLogTailBytes = 8192;                 // of the child's stderr, for errors

// What the child said and how it ended.
struct ChildReport {
  std::optional<nlohmann::json> result;
  std::optional<std::string> error;
  bool error_cancelled = false;
  std::string log;  // the tail of its stderr
  int wait_status = 0;
};

// Writes all of `bytes` to a pipe without dying of SIGPIPE when the child is already gone.
void write_ignoring_sigpipe(int fd, const std::string& bytes) {
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  write_all(fd, bytes);  // an EPIPE here means the child died; its exit status says why
  const timespec zero{0, 0};
  while (sigtimedwait(&pipe_set, nullptr, &zero) > 0) {
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

pid_t spawn_worker(const std::string& worker, const std::string& name, ProcessPipe& in,
                   ProcessPipe& out, ProcessPipe& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read_fd(), 0);
  posix_spawn_file_actions_adddup2(&actions, out.write_fd(), 1);
  posix_spawn_file_actions_adddup2(&actions, err.write_fd(), 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);  // a daemon's sockets stay its own
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD}) sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::string arg0 = worker, arg1 = "run", arg2 = name;
  char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, worker.c_str(), &actions, &attributes, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) fail(worker, "cannot start the job's process: " + errno_text(rc));
  in.close_read();
  out.close_write();
  err.close_write();
  return pid;
}

void handle_event(const std::string& line, const JobControl& control, ChildReport* report) {
  nlohmann::json event;
  try {
    event = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception&) {
    report->log += line + "\n";  // not an event: keep it with the log
    return;
  }
  const std::string kind = event.value("event", "");
  event.erase("event");
  if (kind == "progress") {
    control.report(JobProgress::from_json(event));
  } else if (kind == "warning") {
    const JobWarning w = JobWarning::from_json(event);
    control.warn(w.message, w.where);
  } else if (kind == "result") {
    report->result = event.at("result");
  } else if (kind == "error") {
    report->error = event.value("message", "unknown error");
    report->error_cancelled = event.value("cancelled", false);
  } else {
    report->log += line + "\n";
  }
}

// Reads the child's events and log until it exits; signals it when `control` is cancelled.
ChildReport supervise(pid_t pid, ProcessPipe& out, ProcessPipe& err, const JobControl& control) {
  ChildReport report;
  LineBuffer events, log;
  std::optional<std::chrono::steady_clock::time_point> term_sent;
  bool killed = false;
  for (bool exited = false; !exited;) {
    pollfd fds[3] = {{out.read_fd(), POLLIN, 0}, {err.read_fd(), POLLIN, 0},
                     {term_sent ? -1 : control.cancel_fd(), POLLIN, 0}};
    ::poll(fds, 3, kPollMs);
    if (!term_sent && control.cancelled()) {
      ::kill(pid, SIGTERM);
      term_sent = std::chrono::steady_clock::now();
    }
    if (term_sent && !killed && std::chrono::steady_clock::now() - *term_sent > kTermGrace) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    exited = ::waitpid(pid, &report.wait_status, WNOHANG) == pid;
    // After the exit, read what is left; a grandchild may hold the pipes open, so no EOF wait.
    events.drain(out.read_fd(), [&](const std::string& l) { handle_event(l, control, &report); });
    log.drain(err.read_fd(), [&](const std::string& l) {
      report.log += l + "\n";
      if (report.log.size() > 2 * kLogTailBytes) report.log.erase(0, report.log.size() - kLogTailBytes);
    });
  }
  events.flush([&](const std::string& l) { handle_event(l, control, &report); });
  log.flush([&](const std::string& l) { report.log += l + "\n"; });
  return report;
}

std::string how_it_ended(int status) {
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

std::string tail(const std::string& log) {
  return log.size() <= kLogTailBytes ? log : log.substr(log.size() - kLogTailBytes);
}

}  // namespace

std::string worker_path() {
  if (const char* env = std::getenv("GLOSSA_WORKER"); env && *env) return env;
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  const auto path = (self.parent_path() / "glossa-worker").string();
  if (error || !std::filesystem::exists(path))
    fail("glossa-worker", "not found beside " + self.string() +
                              "; build it (it runs tokenizer training and the LibTorch jobs) or "
                              "set GLOSSA_WORKER to its path");
  return path;
}

nlohmann::json run_in_child(const std::string& name, const nlohmann::json& options,
                            const JobControl& control) {
  control.check_cancelled();
  const std::string worker = worker_path();
  ProcessPipe in, out, err;
  const pid_t pid = spawn_worker(worker, name, in, out, err);
  write_ignoring_sigpipe(in.write_fd(), options.dump());
  in.close_write();
  const ChildReport report = supervise(pid, out, err, control);
  if (control.cancelled() || report.error_cancelled) throw CancelledError();
  if (report.error) throw Error(*report.error);
  if (WIFEXITED(report.wait_status) && WEXITSTATUS(report.wait_status) == 0 && report.result)
    return *report.result;
  fail("job " + name, "its process (" + worker + ") " + how_it_ended(report.wait_status) +
                          " without a result; its last output:\n" + tail(report.log));
}

}  // namespace glossa::jobs
