// Learning rate as a function of the optimizer step within one stage (torch-free). Shapes follow
// transformers' schedulers (optimization.py) so runs are comparable with Trainer runs:
// linear warmup from 0 to peak over warmup_steps, then the decay of the chosen kind to min_lr.
#pragma once

#include <cstdint>
#include <string>

namespace glossa {

enum class ScheduleKind { kCosine, kLinear, kWsd, kConstant };

// "cosine", "linear", "wsd", "constant"; throws Error naming `where` for anything else.
ScheduleKind schedule_kind_from_string(const std::string& text, const std::string& where);
std::string to_string(ScheduleKind kind);

struct LrSchedule {
  ScheduleKind kind = ScheduleKind::kCosine;
  double peak_lr = 1e-4;     // reached at step warmup_steps
  double min_lr = 0.0;       // reached at total_steps (cosine, linear, wsd); constant ignores it
  int64_t warmup_steps = 0;  // lr(s) = peak * s / warmup for s < warmup (0 at step 0)
  int64_t total_steps = 1;   // optimizer steps of the stage
  double wsd_decay_fraction = 0.1;  // wsd: last fraction of total_steps decays linearly

  // Learning rate of optimizer step `step` (0-based). After total_steps it stays at the final
  // value. Cosine = transformers' get_cosine_with_min_lr_schedule_with_warmup (num_cycles 0.5);
  // linear = get_linear_schedule_with_warmup with a floor at min_lr; wsd = get_wsd_schedule
  // with linear warmup and linear decay, decay steps = round(fraction × total_steps).
  double lr(int64_t step) const;
  // Throws Error naming `where` for negative or inconsistent values.
  void validate(const std::string& where) const;
};

}  // namespace glossa
