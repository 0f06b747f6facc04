// Causal attention forward + backward on the CPU in float32: Glossa's kernel
// (training/kernels/cpu_causal_attention.h) beside at::scaled_dot_product_attention with the keys and
// values repeated for grouped-query attention, as the model calls them. Sets the head-size limit
// kCpuAttentionMaxHeadDim (docs/benchmarks.md).
//   glossa-bench-train-attention-cpu [--threads N] [--batch B] [--heads H] [--kv-heads KV]
//                                    [--length T] [--head-dims 4,8,12,16,32,64] [--repeat R]
//                                    [--isa avx512|avx2|baseline]
// Prints a Markdown table: per head size, milliseconds of one forward + backward (best of R
// rounds of 5) of both and their ratio.
#include "training/torch_core.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "base/error.h"
#include "training/kernels/causal_attention_kernel.h"
#include "training/kernels/cpu_causal_attention.h"

namespace {

using namespace glossa;

struct Options {
  int threads = 1;
  int64_t batch = 8, heads = 8, kv_heads = 4, length = 256, repeat = 5;
  std::vector<int64_t> head_dims = {4, 8, 12, 16, 32, 64};
  std::string isa;  // the kernel's instruction set; empty: the best this machine runs
};

std::vector<int64_t> parse_list(const std::string& text) {
  std::vector<int64_t> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoll(item));
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) fail(a, "needs a value");
    const std::string v = argv[++i];
    if (a == "--threads") o.threads = std::stoi(v);
    else if (a == "--batch") o.batch = std::stoll(v);
    else if (a == "--heads") o.heads = std::stoll(v);
    else if (a == "--kv-heads") o.kv_heads = std::stoll(v);
    else if (a == "--length") o.length = std::stoll(v);
    else if (a == "--head-dims") o.head_dims = parse_list(v);
    else if (a == "--repeat") o.repeat = std::stoll(v);
    else if (a == "--isa") o.isa = v;
    else fail(a, "unknown option");
  }
  return o;
}

// Best milliseconds of one call of `step` over `repeat` rounds of 5 calls.
template <typename Step>
double best_ms(int64_t repeat, Step step) {
  step();  // warm-up: allocations, thread pool
  double best = INFINITY;
  for (int64_t r = 0; r < repeat; ++r) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 5; ++i) step();
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count() / 5);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) try {
  const Options o = parse(argc, argv);
  torch::set_num_threads(o.threads);
  if (!o.isa.empty()) use_causal_attention_isa(o.isa);
  std::printf("B %ld, H %ld, KV %ld, T %ld, %d thread(s), forward + backward, kernel %s\n\n",
              o.batch, o.heads, o.kv_heads, o.length, o.threads, causal_attention_isa().c_str());
  std::printf("| head size | glossa ms | sdpa ms | sdpa / glossa |\n|---|---|---|---|\n");
  const int64_t groups = o.heads / o.kv_heads;
  for (const int64_t d : o.head_dims) {
    torch::manual_seed(1);
    // The model's layout: (B, T, N, D) projections viewed as (B, N, T, D).
    const auto make = [&](int64_t n) {
      return torch::randn({o.batch, o.length, n, d}).transpose(1, 2).requires_grad_();
    };
    const auto q = make(o.heads), k = make(o.kv_heads), v = make(o.kv_heads);
    const auto grad = torch::randn({o.batch, o.heads, o.length, d});
    const double scale = 1.0 / std::sqrt(double(d));
    const double sdpa = best_ms(o.repeat, [&] {
      const auto out = at::scaled_dot_product_attention(q, k.repeat_interleave(groups, 1),
                                                        v.repeat_interleave(groups, 1), {}, 0.0,
                                                        true, scale);
      torch::autograd::grad({out}, {q, k, v}, {grad});
    });
    if (d > kCpuAttentionMaxHeadDim) {
      std::printf("| %ld | (above the kernel's limit) | %.2f | |\n", d, sdpa);
      continue;
    }
    const double mine = best_ms(o.repeat, [&] {
      torch::autograd::grad({cpu_causal_attention(q, k, v, scale)}, {q, k, v}, {grad});
    });
    std::printf("| %ld | %.2f | %.2f | %.2f |\n", d, mine, sdpa, sdpa / mine);
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "glossa-bench-train-attention-cpu: %s\n", e.what());
  return 1;
}
