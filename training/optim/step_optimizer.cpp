#include "training/optim/step_optimizer.h"

#include <algorithm>

#include "base/error.h"
#include "training/distributed/grad_sync.h"
#include "training/distributed/process_group.h"
#include "training/io/safetensors_writer.h"
#include "training/distributed/zero1.h"

namespace glossa {
namespace {

// Gradients are summed, not averaged: the trainer divides each rank's loss by the GLOBAL
// target count, so the sum is the exact mean over the global batch.
GradSyncOptions sync_options(const StepOptimizerOptions& o) {
  GradSyncOptions s;
  s.bucket_mb = o.bucket_mb;
  s.reduce_scatter = o.zero1;
  s.average = false;
  return s;
}

// Every rank holds the whole masked AdamW; gradients (if several ranks) are all-reduced.
class ReplicatedAdamW final : public StepOptimizer {
 public:
  ReplicatedAdamW(const NamedParams& params, FreezePlan plan, AdamWSettings settings,
                  const StepOptimizerOptions& options)
      : adamw_(params, std::move(plan), settings) {
    if (options.group && options.group->world_size() > 1)
      sync_ = std::make_unique<GradSync>(options.group, params, adamw_.plan(),
                                         sync_options(options));
  }
  void set_lr(double lr) override { adamw_.set_lr(lr); }
  std::map<std::string, double> group_lrs() const override { return adamw_.group_lrs(); }
  void before_backward(bool completes_step) override {
    if (sync_) sync_->prepare(completes_step);
  }
  void after_backward() override {
    if (sync_) sync_->finish();
  }
  ClipResult clip_grad_norm(double max_norm) override { return adamw_.clip_grad_norm(max_norm); }
  void step() override { adamw_.step(); }
  void zero_grad() override { adamw_.zero_grad(); }
  const FreezePlan& plan() const override { return adamw_.plan(); }
  OptimizerState state(bool assemble) override {
    return assemble ? adamw_.state() : OptimizerState{};
  }
  nlohmann::json write_state(SafetensorsWriter* out) override {
    if (out)
      for (const auto& [name, tensor] : adamw_.state_tensors()) out->write(name, tensor);
    return adamw_.state_json();
  }
  NamedTensors state_specs() const override {
    const auto tensors = adamw_.state_tensors();
    return NamedTensors(tensors.begin(), tensors.end());
  }
  void load_state(const OptimizerState& state) override { adamw_.load_state(state); }
  int64_t state_numel() const override { return adamw_.state_numel(); }

 private:
  MaskedAdamW adamw_;
  std::unique_ptr<GradSync> sync_;  // null with one process
};

// ZeRO-1: gradients reduce-scattered, each rank updates the rows it owns, parameters gathered.
class ShardedAdamW final : public StepOptimizer {
 public:
  ShardedAdamW(const NamedParams& params, FreezePlan plan, AdamWSettings settings,
               const StepOptimizerOptions& options)
      : sync_(std::make_unique<GradSync>(options.group, params, plan, sync_options(options))),
        zero_(*sync_, settings) {}
  void set_lr(double lr) override { zero_.set_lr(lr); }
  std::map<std::string, double> group_lrs() const override { return zero_.group_lrs(); }
  void before_backward(bool completes_step) override { sync_->prepare(completes_step); }
  void after_backward() override { sync_->finish(); }
  ClipResult clip_grad_norm(double max_norm) override { return zero_.clip_grad_norm(max_norm); }
  void step() override { zero_.step(); }
  void zero_grad() override { zero_.zero_grad(); }
  const FreezePlan& plan() const override { return sync_->layout().plan(); }
  OptimizerState state(bool assemble) override { return zero_.full_state(assemble); }
  // A failed write (disk full) must not leave the other ranks alone in the gather: the rank
  // keeps taking part and rethrows the first error once every bucket has been gathered.
  nlohmann::json write_state(SafetensorsWriter* out) override {
    if (!out) return zero_.gather_state({});
    std::exception_ptr error;
    const nlohmann::json json =
        zero_.gather_state([&](const std::string& name, const torch::Tensor& tensor) {
          if (error) return;
          try {
            out->write(name, tensor);
          } catch (...) {
            error = std::current_exception();
          }
        });
    if (error) std::rethrow_exception(error);
    return json;
  }
  NamedTensors state_specs() const override { return zero_.state_specs(); }
  void load_state(const OptimizerState& state) override { zero_.load_full_state(state); }
  int64_t state_numel() const override { return zero_.state_numel(); }

 private:
  std::unique_ptr<GradSync> sync_;  // before zero_: it refers to it
  Zero1Optimizer zero_;
};

}  // namespace

std::unique_ptr<StepOptimizer> make_step_optimizer(const NamedParams& params, FreezePlan plan,
                                                   AdamWSettings settings,
                                                   const StepOptimizerOptions& options) {
  const bool sharded = options.zero1 && options.group && options.group->world_size() > 1;
  if (sharded) return std::make_unique<ShardedAdamW>(params, std::move(plan), settings, options);
  return std::make_unique<ReplicatedAdamW>(params, std::move(plan), settings, options);
}

OptimizerState carry_over_state(const OptimizerState& previous, const FreezePlan& next,
                                const NamedParams& params, int64_t* carried) {
  const std::map<std::string, int64_t> steps = slice_steps(previous.json, "optimizer state");
  OptimizerState out;
  out.json = {{"stage", next.stage},
              {"lr", previous.json.value("lr", 0.0)},
              {"slices", nlohmann::json::array()}};
  int64_t count = 0;
  torch::NoGradGuard no_grad;
  for (const TrainSlice& s : next.slices) {
    const std::string key = s.slice.key();
    const auto step = steps.find(key);
    const auto avg = previous.tensors.find(key + ".exp_avg");
    const auto sq = previous.tensors.find(key + ".exp_avg_sq");
    const bool keep = step != steps.end() && avg != previous.tensors.end() &&
                      sq != previous.tensors.end();
    if (keep) {
      out.tensors[key + ".exp_avg"] = avg->second;
      out.tensors[key + ".exp_avg_sq"] = sq->second;
      // Its float32 master too (mixed precision); a fresh slice's starts from the parameter.
      if (const auto master = previous.tensors.find(key + ".master"); master != previous.tensors.end())
        out.tensors[key + ".master"] = master->second;
      ++count;
    } else {
      const auto p = std::find_if(params.begin(), params.end(),
                                  [&](const auto& named) { return named.first == s.slice.tensor; });
      if (p == params.end()) fail("optimizer state", "the model has no tensor " + s.slice.tensor);
      // One zero expanded to the slice's shape: no memory however large the slice (load_state
      // copies from it; a full-model stage of a 10B model would otherwise allocate 20 GB).
      const torch::Tensor like = slice_rows(p->second, s.slice);
      const torch::Tensor fresh =
          torch::zeros({}, torch::TensorOptions().dtype(like.scalar_type())).expand(like.sizes());
      out.tensors[key + ".exp_avg"] = fresh;
      out.tensors[key + ".exp_avg_sq"] = fresh;
    }
    out.json["slices"].push_back(
        {{"key", key}, {"group", s.group}, {"step", keep ? step->second : int64_t{0}}});
  }
  if (carried) *carried = count;
  return out;
}

}  // namespace glossa
