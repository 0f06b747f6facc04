#include "training/distributed/consistency_check.h"

#include <cstring>
#include <sstream>

#include "base/error.h"

namespace glossa {

namespace {

constexpr int64_t kNameWords = 8;            // 64 bytes of the stage name
constexpr int64_t kFields = 4 + kNameWords;  // index, step, hash, name length, name
constexpr int64_t kNameBytes = kNameWords * 8;

torch::Tensor encode(const RunFingerprint& f) {
  torch::Tensor t = torch::zeros({kFields}, torch::kInt64);
  auto v = t.accessor<int64_t, 1>();
  v[0] = f.stage_index;
  v[1] = f.step;
  std::memcpy(&v[2], &f.config_hash, sizeof(int64_t));
  v[3] = static_cast<int64_t>(f.stage.size());
  std::memcpy(t.data_ptr<int64_t>() + 4, f.stage.data(),
              std::min<size_t>(f.stage.size(), kNameBytes));
  return t;
}

RunFingerprint decode(const torch::Tensor& row) {
  RunFingerprint f;
  const torch::Tensor t = row.contiguous();
  const int64_t* v = t.data_ptr<int64_t>();
  f.stage_index = v[0];
  f.step = v[1];
  std::memcpy(&f.config_hash, &v[2], sizeof(int64_t));
  const int64_t length = std::min<int64_t>(v[3], kNameBytes);
  f.stage.assign(reinterpret_cast<const char*>(v + 4), static_cast<size_t>(length));
  return f;
}

}  // namespace

void check_consistency(ProcessGroup& group, const RunFingerprint& mine) {
  const torch::Tensor local = encode(mine).to(group.device());
  const torch::Tensor all = group.all_gather(local).cpu();  // (W, kFields)
  bool same = true;
  for (int64_t r = 1; r < all.size(0); ++r) same = same && all[r].equal(all[0]);
  if (same) return;
  std::ostringstream what;
  what << "ranks disagree on the run state (resumed from different checkpoints, or a rank "
          "skipped a stage?); every rank must load the same checkpoint:";
  for (int64_t r = 0; r < all.size(0); ++r) {
    const RunFingerprint f = decode(all[r]);
    what << "\n  rank " << r << ": stage #" << f.stage_index << " '" << f.stage << "', step "
         << f.step << ", config hash " << std::hex << f.config_hash << std::dec;
  }
  fail("consistency check (rank " + std::to_string(group.rank()) + ")", what.str());
}

}  // namespace glossa
