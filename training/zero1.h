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

#include <torch/torch.h>

#include <map>
#include <string>

#include "training/grad_sync.h"
#include "training/masked_adamw.h"

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

  // The state of the WHOLE plan in MaskedAdamW's checkpoint form (what one process training
  // alone would hold), gathered bucket by bucket through the gradient buffers (free between
  // steps). A collective: every rank calls it; ranks with assemble = false take part and
  // return {}; the others build CPU tensors (2 x trainable elements of host memory).
  OptimizerState full_state(bool assemble);
  // Inverse: keeps this rank's rows of a whole-plan state (a checkpoint written by any world
  // size, or the previous stage's state). Throws Error naming the slice when the state does not
  // fit this plan. Local: no communication.
  void load_full_state(const OptimizerState& state);

  const MaskedAdamW& shard() const { return shard_; }
  int64_t state_numel() const { return shard_.state_numel(); }  // this rank's optimizer state

 private:
  GradSync& sync_;
  MaskedAdamW shard_;
};

}  // namespace glossa
