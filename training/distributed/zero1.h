// ZeRO-1 (docs/distributed.md): optimizer state sharded across ranks. Gradients arrive by a
// bucketed reduce-scatter (GradSync in reduce_scatter mode), each rank runs the masked AdamW
// on the rows it owns only (BucketLayout::shard_plan: whole rows of the stage's trainable
// slices, about 1/W of the trainable elements per rank), then every bucket's parameters are
// all-gathered so that all ranks hold identical weights again. Optimizer state per rank: about
// 2 x trainable / W elements instead of 2 x trainable. Engine-internal: exposes torch.
//
// Use per step (replaces MaskedAdamW in a data-parallel run):
//   sync.prepare(...); backward ...; sync.finish();
//   zero.clip_grad_norm(max); zero.step(); zero.zero_grad();
#pragma once

#include "training/torch_core.h"

#include <functional>
#include <map>
#include <string>

#include "training/distributed/grad_sync.h"
#include "training/optim/masked_adamw.h"
#include "training/io/safetensors.h"

namespace glossa {

class Zero1Optimizer {
 public:
  // `sync` must be in reduce_scatter mode and outlive the optimizer. Throws Error otherwise.
  Zero1Optimizer(GradSync& sync, AdamWSettings settings);

  void set_lr(double lr) { shard_.set_lr(lr); }
  double lr() const { return shard_.lr(); }
  std::map<std::string, double> group_lrs() const;  // every group of the stage, on every rank

  // Global L2 norm over every rank's owned gradient rows (= the whole trainable gradient), per
  // group and in total: one all-reduce of G float64 squares. Clips like MaskedAdamW.
  ClipResult clip_grad_norm(double max_norm);
  // AdamW on the owned rows, then the parameter all-gather (blocking).
  void step();
  // Drops the gradients of every trainable tensor (owned or not: the next backward must start
  // from zero everywhere).
  void zero_grad();

  // Receives one whole-plan state tensor (name = slice key + ".exp_avg" / ".exp_avg_sq", and
  // ".master" under mixed precision; slice-shaped, CPU) as soon as it is gathered; it is
  // released after the call.
  using StateSink = std::function<void(const std::string& name, const torch::Tensor& tensor)>;
  // The state of the WHOLE plan in MaskedAdamW's checkpoint form (what one process training
  // alone would hold), gathered bucket by bucket through the gradient buffers (free between
  // steps) and handed to `sink` tensor by tensor: at most one bucket's state is assembled at a
  // time (gather_peak_bytes). A collective: every rank calls it; an empty sink takes part only.
  // Returns the state's JSON (slices with their step counts), the same on every rank.
  nlohmann::json gather_state(const StateSink& sink);
  // Names, shapes and dtypes of the tensors gather_state produces (meta tensors), e.g. for a
  // SafetensorsWriter's header. Local.
  NamedTensors state_specs() const;
  // Bytes of state assembled at once during the last gather_state with a sink (the largest
  // bucket's units), against 2 x trainable elements for the whole state.
  int64_t gather_peak_bytes() const { return gather_peak_bytes_; }
  // gather_state into memory: ranks with assemble = false take part and return {}; the others
  // hold the whole state in CPU tensors (2 x trainable elements of host memory).
  OptimizerState full_state(bool assemble);
  // Inverse: keeps this rank's rows of a whole-plan state (a checkpoint written by any world
  // size, or the previous stage's state). Throws Error naming the slice when the state does not
  // fit this plan. Local: no communication.
  void load_full_state(const OptimizerState& state);

  const MaskedAdamW& shard() const { return shard_; }
  int64_t state_numel() const { return shard_.state_numel(); }  // this rank's optimizer state

 private:
  void sink_bucket(size_t b, const torch::Tensor& buffer, const std::string& suffix,
                   const StateSink& sink);
  std::vector<const char*> state_suffixes() const;
  torch::Dtype state_dtype(const Bucket& bucket) const;  // float32 with masters, else the bucket's

  GradSync& sync_;
  bool masters_ = false;  // fp32 masters and moments (settings.fp32_master, bf16 parameters):
                          // decided for the plan, so a rank owning no row agrees with the others
  MaskedAdamW shard_;
  int64_t gather_peak_bytes_ = 0;
};

}  // namespace glossa
