#include "training/distributed/zero1.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"

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

// Rows [begin, end) of a slice-shaped tensor (a 0-dim tensor is its own single row).
torch::Tensor rows(const torch::Tensor& t, int64_t begin, int64_t end) {
  return t.dim() == 0 ? t : t.narrow(0, begin, end - begin);
}

// The shape of a unit's slice of its parameter (what MaskedAdamW's state tensors have).
std::vector<int64_t> slice_shape(const SyncUnit& unit) {
  return unit.rows_of(unit.param, 0, unit.rows).sizes().vec();
}

// A piece `rank` owns, with its bucket and its key in the shard plan (MaskedAdamW's slice key).
struct OwnedPiece {
  size_t bucket = 0;
  const ShardPiece* piece = nullptr;
  std::string key;
};

// Every piece `rank` owns, in shard_plan order.
std::vector<OwnedPiece> owned_pieces(const BucketLayout& layout, int rank) {
  const FreezePlan plan = layout.shard_plan(rank);
  std::vector<OwnedPiece> out;
  for (size_t b = 0; b < layout.buckets().size(); ++b)
    for (const ShardPiece& piece : layout.buckets()[b].pieces[rank])
      out.push_back({b, &piece, plan.slices[out.size()].slice.key()});
  return out;
}

bool plan_has_masters(const BucketLayout& layout, const AdamWSettings& settings) {
  return settings.fp32_master &&
         std::any_of(layout.buckets().begin(), layout.buckets().end(),
                     [](const Bucket& b) { return b.dtype != torch::kFloat32; });
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
      masters_(plan_has_masters(sync.layout(), settings)),
      shard_(planned_params(sync.layout()), sync.layout().shard_plan(sync.group().rank()),
             settings) {}

std::vector<const char*> Zero1Optimizer::state_suffixes() const {
  if (masters_) return {".exp_avg", ".exp_avg_sq", ".master"};
  return {".exp_avg", ".exp_avg_sq"};
}

torch::Dtype Zero1Optimizer::state_dtype(const Bucket& bucket) const {
  return masters_ ? torch::kFloat32 : bucket.dtype;
}

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
      squares[g - groups.begin()] += slice_norm(rows).to(torch::kFloat64).square();
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

NamedTensors Zero1Optimizer::state_specs() const {
  const BucketLayout& layout = sync_.layout();
  NamedTensors specs;
  for (const char* suffix : state_suffixes())
    for (const Bucket& bucket : layout.buckets())
      for (const size_t u : bucket.units) {
        const SyncUnit& unit = layout.units()[u];
        specs.emplace_back(unit.slice.slice.key() + suffix,
                           torch::empty(slice_shape(unit), torch::TensorOptions()
                                                               .dtype(state_dtype(bucket))
                                                               .device(torch::kMeta)));
      }
  return specs;
}

nlohmann::json Zero1Optimizer::gather_state(const StateSink& sink) {
  const BucketLayout& layout = sync_.layout();
  ProcessGroup& group = sync_.group();
  const int rank = group.rank();
  const OptimizerState mine = shard_.state();
  torch::NoGradGuard no_grad;
  // Each slice's step count: the owner's (every piece of a slice steps together); max over
  // ranks because a rank may own no row of a slice.
  const std::map<std::string, int64_t> my_steps = slice_steps(mine.json, "zero1 state");
  const std::vector<OwnedPiece> owned = owned_pieces(layout, rank);
  std::vector<int64_t> steps(layout.units().size(), 0);
  for (const OwnedPiece& o : owned) steps[o.piece->unit] = my_steps.at(o.key);
  torch::Tensor all_steps = torch::tensor(steps, torch::kLong).to(group.device());
  group.all_reduce_max(all_steps);
  const torch::Tensor host_steps = all_steps.cpu();

  gather_peak_bytes_ = 0;
  for (const char* suffix : state_suffixes()) {
    for (size_t b = 0; b < layout.buckets().size(); ++b) {
      // The gradient buffers (free between steps) carry the state, or float32 ones of the same
      // size when the state is float32 beside bf16 parameters (masters: no bf16 rounding).
      const bool own_dtype = state_dtype(layout.buckets()[b]) == sync_.shard(b).scalar_type();
      torch::Tensor segment = own_dtype ? sync_.shard(b) : torch::empty_like(sync_.shard(b), torch::kFloat32);
      torch::Tensor buffer = own_dtype ? sync_.buffer(b) : torch::empty_like(sync_.buffer(b), torch::kFloat32);
      segment.zero_();  // (S)
      for (const OwnedPiece& o : owned)
        if (o.bucket == b)
          segment.narrow(0, o.piece->offset, o.piece->numel)
              .copy_(mine.tensors.at(o.key + suffix).reshape({-1}));
      group.wait(group.all_gather_async(buffer, segment),
                 "optimizer state all_gather, bucket " + std::to_string(b));
      if (sink) sink_bucket(b, buffer, suffix, sink);
    }
  }
  nlohmann::json slices = nlohmann::json::array();
  for (const TrainSlice& s : layout.plan().slices) {
    for (size_t u = 0; u < layout.units().size(); ++u)
      if (layout.units()[u].slice.slice == s.slice)
        slices.push_back({{"key", s.slice.key()},
                          {"group", s.group},
                          {"step", host_steps[static_cast<int64_t>(u)].item<int64_t>()}});
  }
  nlohmann::json json = mine.json;
  json["masters"] = masters_;  // the plan's answer (a rank may own no row)
  json["stage"] = layout.plan().stage;
  json["slices"] = slices;
  return json;
}

// Every unit of bucket b is complete once its buffer is gathered (a unit lies in one bucket):
// assemble each from the ranks' pieces on the CPU, hand it over, let it go.
void Zero1Optimizer::sink_bucket(size_t b, const torch::Tensor& buffer, const std::string& suffix,
                                 const StateSink& sink) {
  const BucketLayout& layout = sync_.layout();
  std::map<size_t, torch::Tensor> full;  // unit -> slice-shaped CPU tensor
  for (int r = 0; r < layout.world_size(); ++r) {
    const torch::Tensor seg = layout.segment(buffer, b, r).cpu();
    for (const ShardPiece& piece : layout.buckets()[b].pieces[r]) {
      const SyncUnit& unit = layout.units()[piece.unit];
      torch::Tensor& t = full[piece.unit];
      if (!t.defined()) t = torch::zeros(slice_shape(unit), seg.options());
      torch::Tensor dst = rows(t, piece.row_begin, piece.row_end);
      dst.copy_(seg.narrow(0, piece.offset, piece.numel).view(dst.sizes()));
    }
  }
  int64_t bytes = 0;
  for (const auto& [u, t] : full) bytes += t.nbytes();
  gather_peak_bytes_ = std::max(gather_peak_bytes_, bytes);
  for (const size_t u : layout.buckets()[b].units)
    sink(layout.units()[u].slice.slice.key() + suffix, full.at(u));
}

OptimizerState Zero1Optimizer::full_state(bool assemble) {
  OptimizerState out;
  StateSink keep;
  if (assemble)
    keep = [&](const std::string& name, const torch::Tensor& t) { out.tensors[name] = t; };
  nlohmann::json json = gather_state(keep);
  if (!assemble) return {};
  out.json = std::move(json);
  return out;
}

void Zero1Optimizer::load_full_state(const OptimizerState& state) {
  const std::string where = "optimizer state";
  const BucketLayout& layout = sync_.layout();
  const std::map<std::string, int64_t> steps = slice_steps(state.json, where);
  size_t expected = 2 * layout.plan().slices.size();
  for (const TrainSlice& s : layout.plan().slices) expected += state.tensors.count(s.slice.key() + ".master");
  if (steps.size() != layout.plan().slices.size() || state.tensors.size() != expected)
    fail(where, "holds " + std::to_string(steps.size()) + " slices, this stage trains " +
                    std::to_string(layout.plan().slices.size()) +
                    " (a checkpoint of another stage?)");
  OptimizerState mine{{}, state.json};
  mine.json["slices"] = nlohmann::json::array();
  for (const OwnedPiece& o : owned_pieces(layout, sync_.group().rank())) {
    const ShardPiece& piece = *o.piece;
    const SyncUnit& unit = layout.units()[piece.unit];
    const std::string key = unit.slice.slice.key();
    const auto step = steps.find(key);
    if (step == steps.end()) fail(where, "no state for trainable slice '" + key + "'");
    for (const char* suffix : {".exp_avg", ".exp_avg_sq", ".master"}) {
      const auto t = state.tensors.find(key + suffix);
      if (t == state.tensors.end() && std::string(suffix) == ".master") continue;  // MaskedAdamW decides
      if (t == state.tensors.end()) fail(where, "missing tensor '" + key + suffix + "'");
      if (t->second.sizes().vec() != slice_shape(unit))
        fail(where, "tensor '" + key + suffix + "' has shape " + c10::str(t->second.sizes()) +
                        ", expected " + c10::str(slice_shape(unit)));
      mine.tensors[o.key + suffix] = rows(t->second, piece.row_begin, piece.row_end);
    }
    mine.json["slices"].push_back(
        {{"key", o.key}, {"group", unit.slice.group}, {"step", step->second}});
  }
  shard_.load_state(mine);
}

void Zero1Optimizer::zero_grad() {
  for (const torch::Tensor& param : sync_.layout().tensors())
    param.mutable_grad() = torch::Tensor();
}

}  // namespace glossa
