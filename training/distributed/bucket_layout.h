// How the trainable slices of a freeze plan are laid out in flat communication buckets, and
// which rows of each bucket every rank owns (docs/distributed.md, "Buckets"). Shared by
// grad_sync (gradient all-reduce / reduce-scatter) and zero1 (sharded AdamW, parameter
// all-gather). Engine-internal: exposes torch.
//
// A bucket's flat buffer is (W * S): W rank segments of S elements each. Segment r holds, packed
// in order, the rows rank r owns ("pieces"), then zero padding. Rows are never split: a piece is
// whole rows of one slice (elements for 1-D tensors), so every piece is a TrainSlice the masked
// AdamW can own. Slices go into buckets in reverse model order, the order backward produces
// their gradients; a slice larger than the bucket size gets a bucket of its own.
#pragma once

#include "training/torch_core.h"

#include <cstdint>
#include <string>
#include <vector>

#include "training/config/freeze_plan.h"
#include "training/optim/masked_adamw.h"

namespace glossa {

// One trainable slice of one parameter.
struct SyncUnit {
  TrainSlice slice;
  torch::Tensor param;    // the whole parameter
  size_t tensor = 0;      // index of the parameter among the layout's distinct tensors
  int64_t rows = 0;       // rows of the slice (1 for a 0-dim tensor)
  int64_t row_numel = 0;  // elements per row
  // Rows [begin, end) of the slice (counted from its first row) of `t` (param or grad): a view
  // shaped like those rows.
  torch::Tensor rows_of(const torch::Tensor& t, int64_t begin, int64_t end) const;
};

// Rows [row_begin, row_end) of a unit (counted from the slice's first row) that one rank owns,
// at `offset` elements into that rank's segment.
struct ShardPiece {
  size_t unit = 0;
  int64_t row_begin = 0, row_end = 0;
  int64_t offset = 0;
  int64_t numel = 0;
};

struct Bucket {
  std::vector<size_t> units;                    // in packing order
  std::vector<size_t> tensors;                  // distinct tensors of those units
  std::vector<std::vector<ShardPiece>> pieces;  // [rank] -> pieces, packed in this order
  int64_t segment = 0;                          // S: elements per rank segment
  torch::ScalarType dtype = torch::kFloat32;
  torch::Device device = torch::kCPU;
};

class BucketLayout {
 public:
  // Throws Error when a planned tensor is missing from `params`, a row range is outside its
  // tensor, or bucket_bytes <= 0.
  BucketLayout(const NamedParams& params, const FreezePlan& plan, int world_size,
               int64_t bucket_bytes);

  int world_size() const { return world_size_; }
  const std::vector<SyncUnit>& units() const { return units_; }
  const std::vector<Bucket>& buckets() const { return buckets_; }
  const std::vector<torch::Tensor>& tensors() const { return tensors_; }  // distinct parameters
  // Buckets holding a unit of distinct tensor i.
  const std::vector<size_t>& buckets_of_tensor(size_t i) const { return tensor_buckets_[i]; }
  const FreezePlan& plan() const { return plan_; }

  // The rows `rank` owns as a freeze plan: one slice per piece, with its parent slice's group,
  // lr multiplier and decay flag. A piece covering a whole tensor stays a whole-tensor slice.
  FreezePlan shard_plan(int rank) const;
  // Elements `rank` owns (sum of its pieces), for balance checks and memory reports.
  int64_t owned_numel(int rank) const;

  // A zeroed (W * S) buffer for bucket b, on its device, in its dtype.
  torch::Tensor make_buffer(size_t b) const;
  // Segment of `rank` in a bucket buffer: (S).
  torch::Tensor segment(const torch::Tensor& buffer, size_t b, int rank) const;
  // Copies the gradient rows of every rank's pieces into their segments of `buffer` (W * S); a
  // tensor without a gradient contributes zeros.
  void pack_grads(size_t b, torch::Tensor& buffer) const;
  // Copies the segment data of `rank`'s pieces back into the gradients (created as zeros where
  // undefined). `segment` is (S), that rank's part of the buffer.
  void unpack_grads(size_t b, int rank, const torch::Tensor& segment) const;
  // Same for parameter values.
  void pack_params(size_t b, int rank, torch::Tensor& segment) const;
  void unpack_params(size_t b, int rank, const torch::Tensor& segment) const;

 private:
  void build_buckets(int64_t bucket_bytes);
  void assign_rows(Bucket& bucket) const;

  FreezePlan plan_;
  int world_size_ = 1;
  std::vector<SyncUnit> units_;
  std::vector<torch::Tensor> tensors_;
  std::vector<std::vector<size_t>> tensor_buckets_;
  std::vector<Bucket> buckets_;
};

}  // namespace glossa
