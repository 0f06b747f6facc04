// AdamW over the trainable slices of a freeze plan only (engine-internal: exposes torch).
// Frozen tensors and frozen rows of partly trained matrices are never written: every update
// goes through a view of exactly the trainable rows, so they stay bit-identical however the
// gradients and weight decay look. Optimizer state (exp_avg, exp_avg_sq) has the shape of the
// slice, not of the tensor. The update is torch::optim::AdamW's, term for term, run by torch's
// fused AdamW kernel (at::_fused_adamw_) on each slice.
#pragma once

#include "training/torch_core.h"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "training/config/freeze_plan.h"

namespace glossa {

// The model's parameters by transformers' names.
using NamedParams = std::vector<std::pair<std::string, torch::Tensor>>;

struct AdamWSettings {
  double beta1 = 0.9, beta2 = 0.999;  // moment decay rates
  double eps = 1e-8;                  // added to the bias-corrected sqrt(v)
  double weight_decay = 0.0;          // decoupled: p -= lr · wd · p on slices with decay
  // Mixed precision (dtype bf16-mixed): each trainable slice of a bfloat16 parameter gets a
  // float32 master copy and float32 moments; the update runs on the master (from the bf16
  // gradient upcast) and the slice's bf16 rows are then rewritten from it. Small updates that
  // bf16 would round away accumulate in the master. No effect on float32 parameters.
  bool fp32_master = false;
  static AdamWSettings from_stage(const StageConfig& stage);
};

// An optimizer's state for a whole freeze plan in MaskedAdamW's checkpoint form: tensors
// "<slice key>.exp_avg" / ".exp_avg_sq" (and ".master" under mixed precision) shaped like the
// slices, and JSON {stage, lr, settings, masters, slices: [{key, group, step}]}. World-size
// independent: a ZeRO-1 run gathers it (zero1.h). A state with "masters": true must hold a
// master for every slice; one without (carried over from another stage, or from a pure-dtype
// run) may lack some: those masters start from the parameters' rows.
struct OptimizerState {
  std::map<std::string, torch::Tensor> tensors;
  nlohmann::json json;
};

// The rows of `t` (a whole parameter, or its gradient) that `slice` covers: a view.
torch::Tensor slice_rows(const torch::Tensor& t, const TensorSlice& slice);

// L2 norm of a gradient slice, a float32 scalar: accumulated in float32 like
// torch.nn.utils.clip_grad_norm_ (bf16 gradients upcast on the fly; no float64 copy).
torch::Tensor slice_norm(const torch::Tensor& grad);

// The per-slice step counts of an OptimizerState's JSON, by slice key. Throws Error naming
// `where` when the JSON is malformed.
std::map<std::string, int64_t> slice_steps(const nlohmann::json& json, const std::string& where);

struct ClipResult {
  double total_norm = 0;                      // L2 norm over every trainable slice, before clipping
  std::map<std::string, double> group_norms;  // L2 norm per group, before clipping
  double scale = 1;                           // factor applied to the gradients (1 = unclipped)
};

class MaskedAdamW {
 public:
  // Throws Error when a planned tensor is missing from `params` or its rows are out of range.
  MaskedAdamW(const NamedParams& params, FreezePlan plan, AdamWSettings settings);

  // Sets the schedule's lr; each slice uses lr × its group's multiplier.
  void set_lr(double lr) { lr_ = lr; }
  double lr() const { return lr_; }
  std::map<std::string, double> group_lrs() const;  // for metrics

  // Global L2 norm of the trainable slices' gradients (frozen rows excluded; per slice in float32,
  // combined in float64); when max_norm > 0
  // and the norm exceeds it, scales those gradient rows by max_norm / (norm + 1e-6) like
  // torch.nn.utils.clip_grad_norm_. One device-to-host sync.
  ClipResult clip_grad_norm(double max_norm);
  // One AdamW update of every trainable slice whose tensor has a gradient.
  void step();
  // Drops the gradients of every planned tensor (set to none).
  void zero_grad();

  // Checkpoint form: moments as named tensors ("<slice key>.exp_avg", "<slice key>.exp_avg_sq",
  // ready for safetensors) plus JSON (settings, lr, per slice: key, group, step).
  std::map<std::string, torch::Tensor> state_tensors() const;
  nlohmann::json state_json() const;
  // Strict inverse: every slice of this plan must be present with the right shape, and nothing
  // else; throws Error naming the slice otherwise.
  void load_state(const std::map<std::string, torch::Tensor>& tensors, const nlohmann::json& json);
  OptimizerState state() const { return {state_tensors(), state_json()}; }
  void load_state(const OptimizerState& state) { load_state(state.tensors, state.json); }

  const FreezePlan& plan() const { return plan_; }
  int64_t state_numel() const;  // elements of optimizer state held: moments (and masters)
  bool has_masters() const { return masters_; }

 private:
  struct Slot {
    TrainSlice info;
    torch::Tensor param;  // the whole parameter tensor (its .grad() is read each step)
    int64_t step = 0;
    torch::Tensor exp_avg, exp_avg_sq;  // shape of the slice: (rows, C) or the tensor's
    torch::Tensor master;               // float32 copy of the slice (mixed precision) or none
    torch::Tensor view(const torch::Tensor& t) const;  // the slice's rows of t (a view)
  };
  static void load_master(Slot& s, const std::map<std::string, torch::Tensor>& tensors,
                          bool required, const std::string& where);
  FreezePlan plan_;
  AdamWSettings settings_;
  bool masters_ = false;  // fp32_master and the planned parameters are not float32
  double lr_ = 0;
  std::vector<Slot> slots_;
};

// requires_grad = true exactly for tensors with a trainable slice, so autograd computes no
// weight gradients for wholly frozen tensors (partly trained ones still get full gradients;
// the optimizer ignores their frozen rows).
void apply_requires_grad(const NamedParams& params, const FreezePlan& plan);

}  // namespace glossa
