#include "training/config/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "base/error.h"

namespace glossa {

ScheduleKind schedule_kind_from_string(const std::string& text, const std::string& where) {
  if (text == "cosine") return ScheduleKind::kCosine;
  if (text == "linear") return ScheduleKind::kLinear;
  if (text == "wsd") return ScheduleKind::kWsd;
  if (text == "constant") return ScheduleKind::kConstant;
  fail(where, "unknown schedule '" + text + "' (expected cosine, linear, wsd or constant)");
}

std::string to_string(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::kCosine:
      return "cosine";
    case ScheduleKind::kLinear:
      return "linear";
    case ScheduleKind::kWsd:
      return "wsd";
    case ScheduleKind::kConstant:
      return "constant";
  }
  return "?";
}

double LrSchedule::lr(int64_t step) const {
  if (step < warmup_steps)
    return peak_lr * static_cast<double>(step) /
           static_cast<double>(std::max<int64_t>(1, warmup_steps));
  if (kind == ScheduleKind::kConstant) return peak_lr;
  const int64_t s = std::min(step, total_steps);
  // factor runs from 1 (at the start of the decay) to 0 (at total_steps).
  double factor = 1.0;
  if (kind == ScheduleKind::kWsd) {
    const int64_t decay = std::llround(wsd_decay_fraction * static_cast<double>(total_steps));
    const int64_t decay_start = std::max(warmup_steps, total_steps - decay);
    if (s < decay_start) return peak_lr;
    factor = 1.0 - static_cast<double>(s - decay_start) /
                       static_cast<double>(std::max<int64_t>(1, total_steps - decay_start));
  } else {
    const double progress = static_cast<double>(s - warmup_steps) /
                            static_cast<double>(std::max<int64_t>(1, total_steps - warmup_steps));
    factor = kind == ScheduleKind::kCosine ? 0.5 * (1.0 + std::cos(std::numbers::pi * progress))
                                           : 1.0 - progress;
  }
  return min_lr + (peak_lr - min_lr) * std::max(0.0, factor);
}

void LrSchedule::validate(const std::string& where) const {
  if (!(peak_lr > 0.0)) fail(where, "peak_lr must be > 0 (found " + std::to_string(peak_lr) + ")");
  if (min_lr < 0.0 || min_lr > peak_lr)
    fail(where, "min_lr must be in 0..peak_lr (found " + std::to_string(min_lr) + ", peak_lr " +
                    std::to_string(peak_lr) + ")");
  if (warmup_steps < 0) fail(where, "warmup_steps must be >= 0");
  if (total_steps <= 0) fail(where, "total steps must be > 0");
  if (warmup_steps >= total_steps)
    fail(where, "warmup_steps (" + std::to_string(warmup_steps) +
                    ") must be below the stage's total steps (" + std::to_string(total_steps) +
                    "): the schedule would never reach its decay");
  if (kind == ScheduleKind::kWsd && !(wsd_decay_fraction > 0.0 && wsd_decay_fraction <= 1.0))
    fail(where,
         "wsd_decay_fraction must be in (0, 1] (found " + std::to_string(wsd_decay_fraction) + ")");
}

}  // namespace glossa
