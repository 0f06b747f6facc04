#include "training/optim/frozen_digest.h"

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/sha256.h"

namespace glossa {
namespace {

std::string digest(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kCPU).contiguous();  // device -> host copy
  return Sha256::hex(std::string_view(static_cast<const char*>(c.data_ptr()), c.nbytes()));
}

// Row ranges [begin, end) of `rows` not covered by `trained` (sorted, disjoint ranges).
std::vector<std::pair<int64_t, int64_t>> complement(
    std::vector<std::pair<int64_t, int64_t>> trained, int64_t rows) {
  std::sort(trained.begin(), trained.end());
  std::vector<std::pair<int64_t, int64_t>> out;
  int64_t at = 0;
  for (const auto& [b, e] : trained) {
    if (b > at) out.emplace_back(at, b);
    at = std::max(at, e);
  }
  if (at < rows) out.emplace_back(at, rows);
  return out;
}

}  // namespace

FrozenDigests frozen_digests(const NamedParams& params, const FreezePlan& plan) {
  FrozenDigests out;
  for (const auto& [name, p] : params) {
    std::vector<std::pair<int64_t, int64_t>> trained;
    bool whole = false;
    for (const TrainSlice& s : plan.slices) {
      if (s.slice.tensor != name) continue;
      if (s.slice.whole)
        whole = true;
      else
        trained.emplace_back(s.slice.row_begin, s.slice.row_end);
    }
    if (whole) continue;
    if (trained.empty()) {
      out[name] = digest(p);
      continue;
    }
    for (const auto& [b, e] : complement(trained, p.size(0)))
      out[name + "[" + std::to_string(b) + ":" + std::to_string(e) + "]"] =
          digest(p.slice(0, b, e));
  }
  return out;
}

void check_frozen_unchanged(const FrozenDigests& before, const FrozenDigests& after,
                            const std::string& stage) {
  for (const auto& [key, hash] : before) {
    const auto it = after.find(key);
    if (it == after.end() || it->second != hash)
      fail("stage '" + stage + "'",
           "frozen parameter " + key +
               " changed during the stage (it must stay bit-identical); "
               "this is a bug in the optimizer or the freeze plan, please report it");
  }
}

}  // namespace glossa
