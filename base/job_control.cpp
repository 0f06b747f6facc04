#include "base/job_control.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <mutex>

#include "base/error.h"
#include "base/strict_json.h"

namespace glossa {

namespace {
constexpr double kMinReportInterval = 0.1;  // seconds: at most ~10 progress events a second
constexpr double kMinEtaFraction = 0.01;    // below this the estimate is noise

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Events are compared at the precision a person reads them.
bool same_event(const JobProgress& a, const JobProgress& b) {
  return std::lround(a.fraction * 1000) == std::lround(b.fraction * 1000) && a.phase == b.phase &&
         a.message == b.message && a.done == b.done && a.total == b.total;
}
}  // namespace

struct JobControl::Cancellation {
  std::atomic<bool> cancelled{false};
  int event_fd = -1;  // readable once cancelled

  Cancellation() { event_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }
  ~Cancellation() {
    if (event_fd >= 0) ::close(event_fd);
  }
  Cancellation(const Cancellation&) = delete;
  Cancellation& operator=(const Cancellation&) = delete;
};

// Delivers progress to the callback, throttled and without repeats, with an ETA.
struct JobControl::Reporter {
  ProgressFn on_progress;
  WarningFn on_warning;
  bool throttle = true;  // false for a part(): its parent throttles

  std::mutex mutex;  // guards what follows
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_sent{};
  bool sent_any = false;
  JobProgress last;  // the last event delivered
  std::string phase;

  void deliver(JobProgress p);
};

void JobControl::Reporter::deliver(JobProgress p) {
  if (!on_progress) return;
  if (!throttle) {
    on_progress(p);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (p.phase.empty()) p.phase = phase;
    const bool new_phase = p.phase != phase;
    phase = p.phase;
    const bool finished = p.fraction >= 1.0 && last.fraction < 1.0;
    const bool due = !sent_any || seconds_since(last_sent) >= kMinReportInterval;
    if (sent_any && same_event(p, last)) return;
    if (!due && !new_phase && !finished) return;
    if (p.eta_seconds < 0 && p.fraction >= kMinEtaFraction && p.fraction < 1.0)
      p.eta_seconds = seconds_since(start) * (1.0 - p.fraction) / p.fraction;
    if (p.fraction >= 1.0) p.eta_seconds = 0;
    last = p;
    last_sent = std::chrono::steady_clock::now();
    sent_any = true;
  }
  on_progress(p);  // outside the lock: the callback may be slow (a pipe, a socket)
}

JobControl::JobControl()
    : cancel_(std::make_shared<Cancellation>()), reporter_(std::make_shared<Reporter>()) {}

JobControl::JobControl(ProgressFn on_progress, WarningFn on_warning) : JobControl() {
  reporter_->on_progress = std::move(on_progress);
  reporter_->on_warning = std::move(on_warning);
}

JobControl::JobControl(SimpleProgressFn on_progress) : JobControl() {
  if (on_progress)
    reporter_->on_progress = [f = std::move(on_progress)](const JobProgress& p) {
      f(p.fraction, p.message);
    };
}

void JobControl::report(double fraction, const std::string& message) const {
  JobProgress p;
  p.fraction = fraction;
  p.message = message;
  report(std::move(p));
}

void JobControl::report(JobProgress progress) const { reporter_->deliver(std::move(progress)); }

void JobControl::phase(const std::string& name, double fraction) const {
  JobProgress p;
  p.phase = name;
  p.fraction = fraction;
  p.message = name;
  report(std::move(p));
}

JobControl JobControl::part(double begin, double end, const std::string& phase) const {
  JobControl child = *this;
  child.reporter_ = std::make_shared<Reporter>();
  child.reporter_->throttle = false;
  const JobControl parent = *this;
  child.reporter_->on_progress = [parent, begin, end, phase](const JobProgress& p) {
    JobProgress mapped = p;
    if (p.fraction >= 0) mapped.fraction = begin + (end - begin) * std::min(p.fraction, 1.0);
    if (mapped.phase.empty()) mapped.phase = phase;
    mapped.eta_seconds = -1;  // the parent estimates it for the whole job
    parent.report(std::move(mapped));
  };
  child.reporter_->on_warning = [parent](const JobWarning& w) { parent.warn(w.message, w.where); };
  return child;
}

void JobControl::warn(const std::string& message, const std::string& where) const {
  if (reporter_->on_warning) reporter_->on_warning(JobWarning{message, where});
}

void JobControl::cancel() const {
  cancel_->cancelled.store(true);
  const uint64_t one = 1;
  if (cancel_->event_fd >= 0) {
    [[maybe_unused]] const ssize_t n = ::write(cancel_->event_fd, &one, sizeof one);
  }
}

bool JobControl::cancelled() const { return cancel_->cancelled.load(std::memory_order_relaxed); }

void JobControl::check_cancelled() const {
  if (cancelled()) throw CancelledError();
}

bool JobControl::wait_for(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!cancelled()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd fd{cancel_->event_fd, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
  }
  return cancelled();
}

int JobControl::cancel_fd() const { return cancel_->event_fd; }

// ------------------------------------------------------------------------------------ events

nlohmann::json JobProgress::to_json() const {
  nlohmann::json j = {{"fraction", fraction}, {"phase", phase}, {"message", message}};
  if (total > 0 || done > 0) {
    j["done"] = done;
    j["total"] = total;
    j["unit"] = unit;
  }
  if (eta_seconds >= 0) j["eta_seconds"] = eta_seconds;
  return j;
}

JobProgress JobProgress::from_json(const nlohmann::json& json) {
  JobProgress p;
  StrictJson r(json, "progress event", "docs/jobs.md");
  r.get("fraction", p.fraction);
  r.get("phase", p.phase);
  r.get("message", p.message);
  r.get("done", p.done);
  r.get("total", p.total);
  r.get("unit", p.unit);
  r.get("eta_seconds", p.eta_seconds);
  r.finish();
  return p;
}

nlohmann::json JobWarning::to_json() const {
  return {{"message", message}, {"where", where}};
}

JobWarning JobWarning::from_json(const nlohmann::json& json) {
  JobWarning w;
  StrictJson r(json, "warning event", "docs/jobs.md");
  r.get("message", w.message);
  r.get("where", w.where);
  r.finish();
  return w;
}

}  // namespace glossa
