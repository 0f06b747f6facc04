#include "training/zero1.h"

#include <algorithm>
#include <cmath>

#include "tokenizer/error.h"

namespace glossa {

namespace {

NamedParams planned_params(const BucketLayout& layout) {
  NamedParams params;
  for (const SyncUnit& unit : layout.units())
    if (std::none_of(params.begin(), params.end(),
                     [&](const auto& p) { return p.first == unit.slice.slice.tensor; }))
      params.emplace_back(unit.slice.slice.tensor, unit.param);
  return params;
}

GradSync& checked(GradSync& sync) {
  if (!sync.reduce_scatter())
    fail("zero1",
         "the GradSync must be created with reduce_scatter = true (ZeRO-1 receives "
         "only the gradient rows each rank owns)");
  return sync;
}

}  // namespace

Zero1Optimizer::Zero1Optimizer(GradSync& sync, AdamWSettings settings)
    : sync_(checked(sync)),
      shard_(planned_params(sync.layout()), sync.layout().shard_plan(sync.group().rank()),
             settings) {}

std::map<std::string, double> Zero1Optimizer::group_lrs() const {
  std::map<std::string, double> out;
  for (const TrainSlice& s : sync_.layout().plan().slices)
    out[s.group] = shard_.lr() * s.lr_multiplier;
  return out;
}

ClipResult Zero1Optimizer::clip_grad_norm(double max_norm) {
  const BucketLayout& layout = sync_.layout();
  const std::vector<std::string>& groups = layout.plan().groups;
  const int rank = sync_.group().rank();
  torch::NoGradGuard no_grad;
  const auto options = torch::TensorOptions().dtype(torch::kFloat64).device(sync_.group().device());
  std::vector<torch::Tensor> squares;  // () per group; distinct tensors (+= works in place)
  for (size_t g = 0; g < groups.size(); ++g) squares.push_back(torch::zeros({}, options));
  for (const Bucket& bucket : layout.buckets()) {
    for (const ShardPiece& piece : bucket.pieces[rank]) {
      const SyncUnit& unit = layout.units()[piece.unit];
      const auto g = std::find(groups.begin(), groups.end(), unit.slice.group);
      if (g == groups.end()) fail("zero1", "group '" + unit.slice.group + "' is not in the plan");
      const torch::Tensor rows = unit.rows_of(unit.param.grad(), piece.row_begin, piece.row_end);
      squares[g - groups.begin()] += rows.to(torch::kFloat64).square().sum();
    }
  }
  torch::Tensor all = torch::stack(squares);  // (G)
  sync_.group().all_reduce_sum(all);
  const torch::Tensor host = all.cpu();  // the one sync point
  ClipResult result;
  double total_sq = 0;
  for (size_t i = 0; i < groups.size(); ++i) {
    const double sq = host[static_cast<int64_t>(i)].item<double>();
    total_sq += sq;
    result.group_norms[groups[i]] = std::sqrt(sq);
  }
  result.total_norm = std::sqrt(total_sq);
  if (max_norm > 0) {
    const double coef = max_norm / (result.total_norm + 1e-6);
    if (coef < 1.0) {
      for (const Bucket& bucket : layout.buckets())
        for (const ShardPiece& piece : bucket.pieces[rank]) {
          const SyncUnit& unit = layout.units()[piece.unit];
          unit.rows_of(unit.param.grad(), piece.row_begin, piece.row_end).mul_(coef);
        }
      result.scale = coef;
    }
  }
  return result;
}

void Zero1Optimizer::step() {
  shard_.step();
  const BucketLayout& layout = sync_.layout();
  ProcessGroup& group = sync_.group();
  const int rank = group.rank();
  const size_t n = layout.buckets().size();
  if (group.world_size() == 1) return;  // this rank owns everything
  std::vector<ProcessGroup::Work> work(n);
  for (size_t b = 0; b < n; ++b) {
    // The gradient buffers are free after finish(): reuse them, no extra parameter copy.
    layout.pack_params(b, rank, sync_.shard(b));
    work[b] = group.all_gather_async(sync_.buffer(b), sync_.shard(b));
  }
  for (size_t b = 0; b < n; ++b) {
    group.wait(work[b], "parameter all_gather, bucket " + std::to_string(b));
    for (int r = 0; r < group.world_size(); ++r)
      if (r != rank) layout.unpack_params(b, r, layout.segment(sync_.buffer(b), b, r));
  }
}

void Zero1Optimizer::zero_grad() {
  for (const torch::Tensor& param : sync_.layout().tensors())
    param.mutable_grad() = torch::Tensor();
}

}  // namespace glossa
