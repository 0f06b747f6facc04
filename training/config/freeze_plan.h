// What one stage trains: the trainable slices of the model (whole tensors or row ranges of the
// embedding / head), each with its group, learning-rate factor and whether weight decay applies.
// Everything not listed is frozen and stays bit-identical (masked_adamw.h). Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "training/config/param_groups.h"
#include "training/config/stage_config.h"

namespace glossa {

struct TrainSlice {
  TensorSlice slice;         // tensor and rows
  std::string group;         // the group it belongs to ("embed.new", "layers.3.attn", ...)
  double lr_multiplier = 1;  // applied to the schedule's lr
  bool decay = false;        // decoupled weight decay on this slice
};

struct FreezePlan {
  std::string stage;                // stage name
  std::vector<std::string> groups;  // trainable groups, in model order
  std::vector<TrainSlice> slices;   // disjoint; with tied embeddings each row range once

  // Names of tensors with at least one trainable slice (these need requires_grad).
  std::vector<std::string> trainable_tensors() const;
  // True when some rows or all of `tensor` train in this stage.
  bool trains(const std::string& tensor) const;
};

// Resolves a stage's selectors and lr multipliers against the model's groups. Throws Error when
// a selector matches nothing, two multipliers disagree on one group, or, with tied embeddings,
// a stage trains lm_head.X without embed.X (or the reverse): tied rows are ONE tensor, so the
// frozen side would move too. Weight decay: never on norms; on embeddings and head only with
// decay_embeddings; elsewhere when weight_decay > 0.
FreezePlan build_freeze_plan(const StageConfig& stage, const ParamGroups& groups);

}  // namespace glossa
