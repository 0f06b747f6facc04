#include "training/distributed/bucket_layout.h"

#include <algorithm>

#include "base/error.h"

namespace glossa {

torch::Tensor SyncUnit::rows_of(const torch::Tensor& t, int64_t begin, int64_t end) const {
  if (t.dim() == 0) return t;  // a scalar is one row
  const int64_t first = slice.slice.whole ? 0 : slice.slice.row_begin;
  return t.narrow(0, first + begin, end - begin);
}

BucketLayout::BucketLayout(const NamedParams& params, const FreezePlan& plan, int world_size,
                           int64_t bucket_bytes)
    : plan_(plan), world_size_(world_size) {
  const std::string where = "gradient buckets";
  if (world_size < 1) fail(where, "world size must be >= 1");
  if (bucket_bytes <= 0) fail(where, "bucket size must be > 0 bytes");
  std::vector<std::pair<size_t, SyncUnit>> ordered;  // (parameter index, unit)
  for (const TrainSlice& s : plan.slices) {
    const auto it = std::find_if(params.begin(), params.end(),
                                 [&](const auto& p) { return p.first == s.slice.tensor; });
    if (it == params.end())
      fail(where, "stage '" + plan.stage + "' trains '" + s.slice.tensor +
                      "' but the model has no such parameter");
    const torch::Tensor& p = it->second;
    SyncUnit unit{s, p, 0, 1, std::max<int64_t>(p.numel(), 1)};
    if (p.dim() > 0) {
      unit.row_numel = p.numel() / std::max<int64_t>(p.size(0), 1);
      unit.rows = s.slice.whole ? p.size(0) : s.slice.row_end - s.slice.row_begin;
      if (!s.slice.whole && (s.slice.row_begin < 0 || s.slice.row_end > p.size(0) ||
                             s.slice.row_begin >= s.slice.row_end))
        fail(where, "rows " + s.slice.key() + " are outside the tensor's " +
                        std::to_string(p.size(0)) + " rows");
    } else if (!s.slice.whole) {
      fail(where, "'" + s.slice.key() + "' takes rows of a 0-dim tensor");
    }
    ordered.emplace_back(static_cast<size_t>(it - params.begin()), std::move(unit));
  }
  // Reverse model order: backward produces the head's gradient first and the embedding's last.
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return a.second.slice.slice.row_begin < b.second.slice.slice.row_begin;
  });
  for (auto& [index, unit] : ordered) {
    auto same = std::find_if(tensors_.begin(), tensors_.end(),
                             [&](const torch::Tensor& t) { return t.is_same(unit.param); });
    unit.tensor = static_cast<size_t>(same - tensors_.begin());
    if (same == tensors_.end()) tensors_.push_back(unit.param);
    units_.push_back(std::move(unit));
  }
  build_buckets(bucket_bytes);
}

void BucketLayout::build_buckets(int64_t bucket_bytes) {
  tensor_buckets_.assign(tensors_.size(), {});
  int64_t bytes = 0;
  for (size_t u = 0; u < units_.size(); ++u) {
    const SyncUnit& unit = units_[u];
    const int64_t unit_bytes = unit.rows * unit.row_numel * unit.param.element_size();
    const bool fits = !buckets_.empty() && bytes + unit_bytes <= bucket_bytes &&
                      buckets_.back().dtype == unit.param.scalar_type() &&
                      buckets_.back().device == unit.param.device();
    if (!fits) {
      buckets_.emplace_back();
      buckets_.back().dtype = unit.param.scalar_type();
      buckets_.back().device = unit.param.device();
      bytes = 0;
    }
    Bucket& bucket = buckets_.back();
    bucket.units.push_back(u);
    if (std::find(bucket.tensors.begin(), bucket.tensors.end(), unit.tensor) ==
        bucket.tensors.end()) {
      bucket.tensors.push_back(unit.tensor);
      tensor_buckets_[unit.tensor].push_back(buckets_.size() - 1);
    }
    bytes += unit_bytes;
  }
  for (Bucket& bucket : buckets_) assign_rows(bucket);
}

// Splits the bucket's rows into W contiguous runs of about equal elements; a row goes to the
// rank holding most of it.
void BucketLayout::assign_rows(Bucket& bucket) const {
  int64_t total = 0;
  for (size_t u : bucket.units) total += units_[u].rows * units_[u].row_numel;
  bucket.pieces.assign(world_size_, {});
  std::vector<int64_t> filled(world_size_, 0);
  int rank = 0;
  int64_t position = 0;  // elements assigned so far
  for (size_t u : bucket.units) {
    const SyncUnit& unit = units_[u];
    int64_t row = 0;
    while (row < unit.rows) {
      const int64_t left = unit.rows - row;
      int64_t take = left;
      if (rank < world_size_ - 1) {
        const int64_t boundary = total * (rank + 1) / world_size_;
        take = std::clamp<int64_t>((boundary - position + unit.row_numel / 2) / unit.row_numel, 0,
                                   left);
      }
      if (take > 0) {
        const int64_t numel = take * unit.row_numel;
        bucket.pieces[rank].push_back(ShardPiece{u, row, row + take, filled[rank], numel});
        filled[rank] += numel;
        position += numel;
        row += take;
      }
      if (row < unit.rows) ++rank;  // this rank's share is full
    }
  }
  bucket.segment = std::max<int64_t>(*std::max_element(filled.begin(), filled.end()), 1);
}

FreezePlan BucketLayout::shard_plan(int rank) const {
  FreezePlan shard;
  shard.stage = plan_.stage;
  shard.groups = plan_.groups;
  for (const Bucket& bucket : buckets_) {
    for (const ShardPiece& piece : bucket.pieces[rank]) {
      const SyncUnit& unit = units_[piece.unit];
      TrainSlice s = unit.slice;
      const bool all_rows = piece.row_begin == 0 && piece.row_end == unit.rows;
      if (!(all_rows && s.slice.whole)) {
        const int64_t first = s.slice.whole ? 0 : s.slice.row_begin;
        s.slice.whole = false;
        s.slice.row_begin = first + piece.row_begin;
        s.slice.row_end = first + piece.row_end;
      }
      shard.slices.push_back(std::move(s));
    }
  }
  return shard;
}

int64_t BucketLayout::owned_numel(int rank) const {
  int64_t n = 0;
  for (const Bucket& bucket : buckets_)
    for (const ShardPiece& piece : bucket.pieces[rank]) n += piece.numel;
  return n;
}

torch::Tensor BucketLayout::make_buffer(size_t b) const {
  const Bucket& bucket = buckets_[b];
  return torch::zeros({bucket.segment * world_size_},
                      torch::TensorOptions().dtype(bucket.dtype).device(bucket.device));
}

torch::Tensor BucketLayout::segment(const torch::Tensor& buffer, size_t b, int rank) const {
  const int64_t s = buckets_[b].segment;
  return buffer.narrow(0, rank * s, s);
}

void BucketLayout::pack_grads(size_t b, torch::Tensor& buffer) const {
  torch::NoGradGuard no_grad;
  for (int rank = 0; rank < world_size_; ++rank) {
    torch::Tensor seg = segment(buffer, b, rank);
    for (const ShardPiece& piece : buckets_[b].pieces[rank]) {
      const SyncUnit& unit = units_[piece.unit];
      torch::Tensor dst = seg.narrow(0, piece.offset, piece.numel);
      const torch::Tensor& grad = unit.param.grad();
      if (grad.defined())
        dst.copy_(unit.rows_of(grad, piece.row_begin, piece.row_end).reshape({-1}));
      else
        dst.zero_();
    }
  }
}

void BucketLayout::unpack_grads(size_t b, int rank, const torch::Tensor& seg) const {
  torch::NoGradGuard no_grad;
  for (const ShardPiece& piece : buckets_[b].pieces[rank]) {
    const SyncUnit& unit = units_[piece.unit];
    if (!unit.param.grad().defined()) unit.param.mutable_grad() = torch::zeros_like(unit.param);
    torch::Tensor dst = unit.rows_of(unit.param.grad(), piece.row_begin, piece.row_end);
    dst.copy_(seg.narrow(0, piece.offset, piece.numel).view(dst.sizes()));
  }
}

void BucketLayout::pack_params(size_t b, int rank, torch::Tensor& seg) const {
  torch::NoGradGuard no_grad;
  for (const ShardPiece& piece : buckets_[b].pieces[rank]) {
    const SyncUnit& unit = units_[piece.unit];
    seg.narrow(0, piece.offset, piece.numel)
        .copy_(unit.rows_of(unit.param, piece.row_begin, piece.row_end).reshape({-1}));
  }
}

void BucketLayout::unpack_params(size_t b, int rank, const torch::Tensor& seg) const {
  torch::NoGradGuard no_grad;
  for (const ShardPiece& piece : buckets_[b].pieces[rank]) {
    const SyncUnit& unit = units_[piece.unit];
    torch::Tensor dst = unit.rows_of(unit.param, piece.row_begin, piece.row_end);
    dst.copy_(seg.narrow(0, piece.offset, piece.numel).view(dst.sizes()));
  }
}

}  // namespace glossa
