// The context a long engine job runs in (docs/jobs.md): cancellation that can wake a waiting
// job, typed progress (fraction, phase, counts, ETA) and warnings as structured events. The CLI
// prints the events on stderr, the backend forwards them to its clients, a job running in a child
// process writes them as JSON lines (jobs/child_job.h). Copies share one state: cancelling any
// copy cancels them all.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace glossa {

// Where a job stands. `fraction` is of the whole job; the counts are of the current phase.
struct JobProgress {
  double fraction = -1;      // [0, 1]; negative = unknown
  std::string phase;         // what the job does now, e.g. "counting pass 2 of at most 5"
  std::string message;       // plain words, e.g. "12,000 documents, 3.1 MB"
  uint64_t done = 0;         // units of the phase done
  uint64_t total = 0;        // units of the phase in all; 0 = unknown
  std::string unit;          // what done / total count: "documents", "bytes", "requests", ...
  double eta_seconds = -1;   // time left, estimated by JobControl from the fraction; < 0 unknown

  nlohmann::json to_json() const;
  static JobProgress from_json(const nlohmann::json& json);  // throws Error on a wrong type
};

// Something the user should know that does not stop the job.
struct JobWarning {
  std::string message;  // plain words
  std::string where;    // file, line or field it concerns; may be empty

  nlohmann::json to_json() const;
  static JobWarning from_json(const nlohmann::json& json);
};

class JobControl {
 public:
  using ProgressFn = std::function<void(const JobProgress&)>;
  using WarningFn = std::function<void(const JobWarning&)>;
  using SimpleProgressFn = std::function<void(double fraction, const std::string& message)>;

  JobControl();  // silent: progress and warnings go nowhere
  explicit JobControl(ProgressFn on_progress, WarningFn on_warning = {});
  explicit JobControl(SimpleProgressFn on_progress);

  // Progress, throttled to ~10 events a second; a new phase, the first fraction >= 1 of a phase
  // and changed counts at the end always pass. Identical events are dropped. Safe to call from
  // several threads. The two-argument form keeps the current phase.
  void report(double fraction, const std::string& message) const;
  void report(JobProgress progress) const;
  // Starts a new phase (reported at once, fraction unchanged unless given).
  void phase(const std::string& name, double fraction = -1) const;
  // A part of this job: the same cancellation, its progress fractions mapped into
  // [begin, end] of this job's and its phase named `phase` unless it names its own.
  JobControl part(double begin, double end, const std::string& phase) const;

  void warn(const std::string& message, const std::string& where = "") const;

  // Asks the job to stop at its next check and wakes wait_for() and poll() on cancel_fd().
  // Async-signal-safe (an atomic store and a write(2)), so a SIGINT handler may call it.
  void cancel() const;
  bool cancelled() const;
  // Throws CancelledError when cancel() was called.
  void check_cancelled() const;
  // Sleeps up to `timeout`, waking at once when the job is cancelled. Returns cancelled().
  bool wait_for(std::chrono::milliseconds timeout) const;
  // A file descriptor that becomes readable once the job is cancelled (poll it beside others).
  int cancel_fd() const;

 private:
  struct Cancellation;
  struct Reporter;
  std::shared_ptr<Cancellation> cancel_;
  std::shared_ptr<Reporter> reporter_;
};

}  // namespace glossa
