// What the trainer drives each optimizer step, the same whether one process trains alone, ranks
// all-reduce gradients (each holding the full masked AdamW), or ranks shard the optimizer state
// (ZeRO-1). Data parallel gradients travel in buckets launched from autograd hooks, so
// communication overlaps the backward pass (grad_sync.h). Engine-internal: exposes torch.
//
// Per optimizer step:
//   for each micro-batch i of n: before_backward(i == n - 1); loss(i).backward();
//   after_backward();        // gradients are now the sum over every rank's micro-batches
//   clip_grad_norm(max); step(); zero_grad();
#pragma once

#include "training/torch_core.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "training/config/freeze_plan.h"
#include "training/optim/masked_adamw.h"
#include "training/io/safetensors.h"

namespace glossa {

class ProcessGroup;
class SafetensorsWriter;

class StepOptimizer {
 public:
  virtual ~StepOptimizer() = default;
  virtual void set_lr(double lr) = 0;
  virtual std::map<std::string, double> group_lrs() const = 0;
  // Before each micro-batch's backward; completes_step = it is the step's last micro-batch
  // (only then do gradients travel).
  virtual void before_backward(bool completes_step) = 0;
  // After the step's last backward: waits for every gradient bucket (a collective).
  virtual void after_backward() = 0;
  // Global L2 norms over the whole trainable gradient (every rank gets the same numbers).
  virtual ClipResult clip_grad_norm(double max_norm) = 0;
  virtual void step() = 0;
  virtual void zero_grad() = 0;
  // The stage's whole freeze plan (not a rank's shard).
  virtual const FreezePlan& plan() const = 0;
  // State of the whole plan in MaskedAdamW's checkpoint form, independent of the world size.
  // A collective under ZeRO-1 (every rank calls it); only assemble = true ranks get a result.
  virtual OptimizerState state(bool assemble) = 0;
  // The same state written into `out` as it is produced: under ZeRO-1 gathered tensor by tensor,
  // at most one bucket's state in host memory (state(true) holds 2 x trainable elements). A
  // collective under ZeRO-1; out == nullptr takes part only. Returns the state's JSON. `out`
  // must be laid out from state_specs().
  virtual nlohmann::json write_state(SafetensorsWriter* out) = 0;
  virtual NamedTensors state_specs() const = 0;  // names, shapes, dtypes of the state tensors
  // Loads a whole-plan state (this rank keeps its rows under ZeRO-1). Throws Error naming the
  // slice when it does not match the plan.
  virtual void load_state(const OptimizerState& state) = 0;
  virtual int64_t state_numel() const = 0;  // optimizer-state elements on this rank
};

struct StepOptimizerOptions {
  std::shared_ptr<ProcessGroup> group;  // null (or world size 1): one process
  bool zero1 = false;                   // shard the optimizer state (needs world size > 1)
  double bucket_mb = 25;                // gradient bucket capacity (torch DDP's default)
};

// The optimizer of one stage. With a group of world size > 1 it installs gradient hooks on the
// plan's tensors: destroy the previous stage's optimizer first. Throws Error for a plan that
// does not fit the parameters.
std::unique_ptr<StepOptimizer> make_step_optimizer(const NamedParams& params, FreezePlan plan,
                                                   AdamWSettings settings,
                                                   const StepOptimizerOptions& options = {});

// The whole-plan state a stage with plan `next` starts from after a stage whose state is
// `previous`: slices both plans share (same tensor, same rows) keep step, moments and float32
// master, the others start fresh (zeros, step 0, the master from the parameter's rows). `carried` (nullable) receives how many slices were carried.
OptimizerState carry_over_state(const OptimizerState& previous, const FreezePlan& next,
                                const NamedParams& params, int64_t* carried = nullptr);

}  // namespace glossa
