// The worker side of child_job.h: glossa-worker runs one job, its events on a private copy of
// stdout (fd 1 itself is pointed at stderr, so a library printing to stdout cannot break the
// event stream), cancelled by SIGTERM / SIGINT or by its parent's death.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <iostream>
#include <iterator>
#include <mutex>

#include "base/error.h"
#include "base/process_pipe.h"
#include "jobs/child_job.h"
#include "jobs/job_registry.h"

namespace glossa::jobs {

namespace {

const JobControl* g_job = nullptr;  // what SIGTERM cancels

extern "C" void on_stop_signal(int) {
  if (g_job) g_job->cancel();  // an atomic store and a write(2): async-signal-safe
}

class EventWriter {
 public:
  explicit EventWriter(int fd) : fd_(fd) {}
  void write(nlohmann::json event) {
    const std::string line =
        event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::lock_guard<std::mutex> lock(mutex_);  // progress may come from several threads
    write_all(fd_, line);  // a parent gone (EPIPE) is not an error here: the job is cancelled
  }

 private:
  int fd_;
  std::mutex mutex_;
};

nlohmann::json event(const char* kind, nlohmann::json body) {
  body["event"] = kind;
  return body;
}

}  // namespace

int serve_job_in_worker(const std::string& name) {
  const int events_fd = ::fcntl(1, F_DUPFD_CLOEXEC, 3);
  if (events_fd < 0 || ::dup2(2, 1) < 0) {
    std::cerr << "glossa-worker: cannot set up its output: " << errno_text() << "\n";
    return 1;
  }
  ::signal(SIGPIPE, SIG_IGN);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // an orphaned job stops (and cleans up)
  EventWriter events(events_fd);
  const JobControl control(
      [&](const JobProgress& p) { events.write(event("progress", p.to_json())); },
      [&](const JobWarning& w) { events.write(event("warning", w.to_json())); });
  g_job = &control;
  ::signal(SIGTERM, on_stop_signal);
  ::signal(SIGINT, on_stop_signal);
  if (::getppid() == 1) control.cancel();  // the parent died before prctl took effect
  try {
    const std::string input((std::istreambuf_iterator<char>(std::cin)),
                            std::istreambuf_iterator<char>());
    nlohmann::json options;
    try {
      options = nlohmann::json::parse(input);
    } catch (const nlohmann::json::exception& e) {
      fail("glossa-worker: options on stdin", std::string("not valid JSON: ") + e.what());
    }
    const nlohmann::json result = run_job_here(find_job(name), options, control);
    events.write(event("result", {{"result", result}}));
    return 0;
  } catch (const CancelledError& e) {
    events.write(event("error", {{"message", e.what()}, {"cancelled", true}}));
    return 130;
  } catch (const std::exception& e) {
    events.write(event("error", {{"message", e.what()}, {"cancelled", false}}));
    return 1;
  }
}

}  // namespace glossa::jobs
