#include "tokenizer/job_control.h"

#include <chrono>

#include "tokenizer/error.h"

namespace glossa {

namespace {
constexpr long long kMinReportIntervalMs = 100;  // at most ~10 progress lines a second

long long now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}
}  // namespace

void JobControl::report(double fraction, const std::string& message) const {
  if (!on_progress_) return;
  const long long now = now_ms();
  long long last = last_report_ms_->load(std::memory_order_relaxed);
  const bool final_report = fraction >= 1.0;
  if (!final_report && now - last < kMinReportIntervalMs) return;
  if (!last_report_ms_->compare_exchange_strong(last, now) && !final_report) return;
  on_progress_(fraction, message);
}

void JobControl::check_cancelled() const {
  if (cancelled()) throw CancelledError();
}

}  // namespace glossa
