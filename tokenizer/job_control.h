// Progress reporting and cancellation for long engine jobs. The CLI prints progress on stderr,
// the backend forwards it to the GUI; both can ask the job to stop.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace glossa {

class JobControl {
 public:
  // fraction in [0, 1] (negative = unknown), message in plain words.
  using ProgressFn = std::function<void(double fraction, const std::string& message)>;

  JobControl() = default;
  explicit JobControl(ProgressFn on_progress) : on_progress_(std::move(on_progress)) {}

  // Reports progress; safe to call often and from several threads (throttled to ~10 per second).
  void report(double fraction, const std::string& message) const;

  // Asks the job to stop at its next check.
  void cancel() { cancelled_->store(true); }
  bool cancelled() const { return cancelled_->load(std::memory_order_relaxed); }

  // Throws CancelledError when cancel() was called.
  void check_cancelled() const;

 private:
  ProgressFn on_progress_;
  std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::atomic<long long>> last_report_ms_ =
      std::make_shared<std::atomic<long long>>(-1000000);
};

}  // namespace glossa
