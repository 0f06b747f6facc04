#include "training/io/finite_check.h"

#include "base/error.h"

namespace glossa {

void require_finite(const torch::Tensor& value, const std::string& tensor,
                    const std::string& file) {
  if (!value.is_floating_point()) return;
  torch::NoGradGuard no_grad;
  const torch::Tensor bad = torch::logical_not(torch::isfinite(value)).flatten();  // [numel]
  const int64_t count = bad.sum().item<int64_t>();
  if (count == 0) return;
  const int64_t first = bad.nonzero()[0].item<int64_t>();
  fail(file, "tensor \"" + tensor + "\" holds " + std::to_string(count) + " of " +
                 std::to_string(value.numel()) +
                 " values that are NaN or infinite (the first at flat index " +
                 std::to_string(first) +
                 "): the weights are broken (a diverged run or a bad conversion) and any loss or "
                 "score computed from them would be meaningless");
}

}  // namespace glossa
