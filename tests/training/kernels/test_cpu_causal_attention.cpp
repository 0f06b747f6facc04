// ctest-labels: unit
// Glossa's CPU causal attention kernel: output and the gradients of q, k and v equal a float64
// masked-softmax reference and torch's scaled_dot_product_attention, for grouped-query, multi-query
// and plain heads, odd head sizes, one-token sequences, strided inputs and saturated softmax;
// NaN propagates; results are deterministic across runs; shapes it cannot take are refused.
#include <QtTest>
#include <cmath>
#include <limits>

#include "base/error.h"
#include "training/kernels/causal_attention_kernel.h"
#include "training/kernels/cpu_causal_attention.h"

using namespace glossa;

namespace {

// (B, KV, T, D) -> (B, KV * groups, T, D), query head h reading key/value head h / groups.
torch::Tensor repeat_heads(const torch::Tensor& x, int64_t groups) {
  return x.repeat_interleave(groups, 1);
}

// The textbook computation in float64.
torch::Tensor reference_attention(const torch::Tensor& q, const torch::Tensor& k,
                                  const torch::Tensor& v, double scale) {
  const int64_t groups = q.size(1) / k.size(1), t = q.size(2);
  const auto kk = repeat_heads(k, groups), vv = repeat_heads(v, groups);
  const auto scores = torch::matmul(q, kk.transpose(-2, -1)) * scale;  // (B, H, T, T)
  const auto future = torch::ones({t, t}, torch::kBool).triu(1);
  return torch::matmul(torch::softmax(scores.masked_fill(future, -INFINITY), -1), vv);
}

// A (B, N, T, D) float32 tensor that is a transposed (B, T, N, D) one, as the model passes them.
torch::Tensor heads_view(int64_t b, int64_t n, int64_t t, int64_t d, double amplitude) {
  return (torch::randn({b, t, n, d}) * amplitude).transpose(1, 2).requires_grad_();
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

// Runs the kernel with one instruction set while in scope, then the best again.
struct IsaScope {
  explicit IsaScope(const std::string& isa) { use_causal_attention_isa(isa); }
  ~IsaScope() { use_causal_attention_isa(causal_attention_isas().front()); }
};

struct Result {
  torch::Tensor out, dq, dk, dv;
};

template <typename Attention>
Result run(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
           const torch::Tensor& grad, Attention attention) {
  const auto out = attention(q, k, v);
  const auto g = torch::autograd::grad({out}, {q, k, v}, {grad.to(out.scalar_type())});
  return {out.detach(), g[0], g[1], g[2]};
}

}  // namespace

class TestCpuCausalAttention : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void matchesReferenceAndSdpa_data() {
    QTest::addColumn<int>("batch");
    QTest::addColumn<int>("heads");
    QTest::addColumn<int>("kvHeads");
    QTest::addColumn<int>("length");
    QTest::addColumn<int>("headDim");
    QTest::addColumn<double>("amplitude");
    QTest::newRow("plain heads of 8") << 2 << 4 << 4 << 17 << 8 << 1.0;
    QTest::newRow("grouped query (stories260K)") << 2 << 8 << 4 << 33 << 8 << 1.0;
    QTest::newRow("multi query, head 4") << 1 << 4 << 1 << 64 << 4 << 1.0;
    QTest::newRow("odd head size") << 2 << 2 << 2 << 5 << 6 << 1.0;
    QTest::newRow("one token") << 1 << 2 << 1 << 1 << 8 << 1.0;
    QTest::newRow("head 32 (the 10M benchmark shape)") << 2 << 8 << 2 << 77 << 32 << 1.0;
    QTest::newRow("head 22 (not a multiple of 4)") << 1 << 2 << 1 << 45 << 22 << 1.0;
    QTest::newRow("head 64, 8-row blocks and a partial one") << 1 << 2 << 2 << 51 << 64 << 1.0;
    QTest::newRow("largest head size") << 1 << 4 << 2 << 70 << int(kCpuAttentionMaxHeadDim) << 1.0;
    QTest::newRow("saturated softmax") << 1 << 2 << 2 << 40 << 8 << 12.0;
  }

  void matchesReferenceAndSdpa() {
    QFETCH(int, batch);
    QFETCH(int, heads);
    QFETCH(int, kvHeads);
    QFETCH(int, length);
    QFETCH(int, headDim);
    QFETCH(double, amplitude);
    torch::manual_seed(7);
    const auto q = heads_view(batch, heads, length, headDim, amplitude);
    const auto k = heads_view(batch, kvHeads, length, headDim, amplitude);
    const auto v = heads_view(batch, kvHeads, length, headDim, 1.0);
    const auto grad = torch::randn({batch, heads, length, headDim});
    const double scale = 1.0 / std::sqrt(double(headDim));
    QVERIFY(cpu_causal_attention_applies(q, k, v));
    const auto q64 = q.detach().to(torch::kFloat64).requires_grad_();
    const auto k64 = k.detach().to(torch::kFloat64).requires_grad_();
    const auto v64 = v.detach().to(torch::kFloat64).requires_grad_();
    const Result want = run(q64, k64, v64, grad, [&](auto& a, auto& b, auto& c) {
      return reference_attention(a, b, c, scale);
    });
    const Result sdpa = run(q, k, v, grad, [&](auto& a, auto& b, auto& c) {
      const int64_t groups = a.size(1) / b.size(1);
      return at::scaled_dot_product_attention(a, repeat_heads(b, groups), repeat_heads(c, groups),
                                              {}, 0.0, true, scale);
    });

    // Every instruction set this machine runs: the others are compiled in for other machines.
    for (const std::string& isa : causal_attention_isas()) {
      IsaScope scope(isa);
      const Result mine = run(q, k, v, grad, [&](auto& a, auto& b, auto& c) {
        return cpu_causal_attention(a, b, c, scale);
      });
      QCOMPARE(mine.out.sizes().vec(), want.out.sizes().vec());
      QVERIFY(mine.out.transpose(1, 2).is_contiguous());  // (B, T, H, D) memory
      // Gradients grow with the amplitude (saturated rows): compare relative to their size.
      const double tol = 2e-5 * amplitude * amplitude;
      const double diffs[] = {max_diff(mine.out, want.out), max_diff(mine.dq, want.dq),
                              max_diff(mine.dk, want.dk), max_diff(mine.dv, want.dv)};
      const double sdpa_diffs[] = {max_diff(mine.out, sdpa.out), max_diff(mine.dq, sdpa.dq),
                                   max_diff(mine.dk, sdpa.dk), max_diff(mine.dv, sdpa.dv)};
      qInfo(
          "%s vs float64: out %.2g dq %.2g dk %.2g dv %.2g; vs sdpa: out %.2g dq %.2g dk %.2g "
          "dv %.2g",
          isa.c_str(), diffs[0], diffs[1], diffs[2], diffs[3], sdpa_diffs[0], sdpa_diffs[1],
          sdpa_diffs[2], sdpa_diffs[3]);
      for (int i = 0; i < 4; ++i) {
        QVERIFY2(diffs[i] <= tol, (isa + " " + std::to_string(i)).c_str());
        QVERIFY2(sdpa_diffs[i] <= tol, (isa + " " + std::to_string(i)).c_str());
      }
    }
  }

  void isaChoiceIsCheckedAndKept() {
    const std::vector<std::string> isas = causal_attention_isas();
    QVERIFY(!isas.empty());
    QCOMPARE(isas.back(), std::string("baseline"));  // every machine runs the baseline
    QCOMPARE(causal_attention_isa(), isas.front());  // the best by default
    try {
      use_causal_attention_isa("mmx");
      QFAIL("no error");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find("'mmx'") != std::string::npos, e.what());
      QVERIFY2(std::string(e.what()).find("baseline") != std::string::npos, e.what());
    }
    QCOMPARE(causal_attention_isa(), isas.front());
  }

  void nanReachesOnlyTheRowsThatSeeIt() {
    torch::manual_seed(3);
    auto q = torch::randn({1, 2, 40, 8}).requires_grad_();
    auto k = torch::randn({1, 1, 40, 8});
    auto v = torch::randn({1, 1, 40, 8});
    k.index_put_({0, 0, 35, 0}, std::numeric_limits<float>::quiet_NaN());
    v.index_put_({0, 0, 37, 1}, std::numeric_limits<float>::quiet_NaN());
    k.requires_grad_();
    v.requires_grad_();
    for (const std::string& isa : causal_attention_isas()) {
      IsaScope scope(isa);
      const auto out = cpu_causal_attention(q, k, v, 0.35);
      // Key 35 is seen by queries 35..39 only; the value of key 37 by queries 37..39. (Rows
      // 32..39 form one block whose tiles span keys not all of its rows see: those must not count.)
      using torch::indexing::Slice;
      QVERIFY(out.index({0, Slice(), Slice(0, 35)}).isfinite().all().item<bool>());
      QVERIFY(out.index({0, Slice(), Slice(35, 40)}).isnan().any(-1).all().item<bool>());
      const auto grads = torch::autograd::grad({out}, {q}, {torch::ones_like(out)});
      QVERIFY(grads[0].index({0, Slice(), Slice(0, 35)}).isfinite().all().item<bool>());
    }
  }

  // Queries are computed in blocks of 8 rows: a NaN key that opens a later block must not reach
  // the block before it, nor the rows of its own block through its padded lanes.
  void nanInALaterBlockStaysThere() {
    torch::manual_seed(4);
    auto q = torch::randn({1, 2, 64, 32}).requires_grad_();
    auto k = torch::randn({1, 1, 64, 32});
    auto v = torch::randn({1, 1, 64, 32});
    k.index_put_({0, 0, 48, 5}, std::numeric_limits<float>::quiet_NaN());
    v.index_put_({0, 0, 47, 3}, std::numeric_limits<float>::infinity());
    k.requires_grad_();
    v.requires_grad_();
    for (const std::string& isa : causal_attention_isas()) {
      IsaScope scope(isa);
      const auto out = cpu_causal_attention(q, k, v, 0.2);
      using torch::indexing::Slice;
      QVERIFY(out.index({0, Slice(), Slice(0, 47)}).isfinite().all().item<bool>());
      QVERIFY(!out.index({0, Slice(), Slice(47, 64)}).isfinite().all(-1).any().item<bool>());
      const auto grads = torch::autograd::grad({out}, {q}, {torch::ones_like(out)});
      QVERIFY(grads[0].index({0, Slice(), Slice(0, 47)}).isfinite().all().item<bool>());
    }
  }

  void repeatedRunsAreBitIdentical() {
    torch::manual_seed(5);
    at::set_num_threads(2);
    const auto q = heads_view(3, 4, 50, 8, 1.0), k = heads_view(3, 2, 50, 8, 1.0),
               v = heads_view(3, 2, 50, 8, 1.0);
    const auto grad = torch::randn({3, 4, 50, 8});
    const auto attention = [](auto& a, auto& b, auto& c) {
      return cpu_causal_attention(a, b, c, 0.3);
    };
    const Result first = run(q, k, v, grad, attention), second = run(q, k, v, grad, attention);
    QVERIFY(torch::equal(first.out, second.out));
    QVERIFY(torch::equal(first.dq, second.dq));
    QVERIFY(torch::equal(first.dk, second.dk));
    QVERIFY(torch::equal(first.dv, second.dv));
  }

  // The model's default takes the kernel only where it was measured faster than SDPA.
  void preferredOnlyWhereMeasuredFaster() {
    const auto preferred = [](int64_t t, int64_t d) {
      const auto q = torch::empty({1, 2, t, d}), k = torch::empty({1, 1, t, d});
      return cpu_causal_attention_preferred(q, k, k);
    };
    QVERIFY(preferred(256, 128));   // short: every head size up to the limit
    QVERIFY(preferred(512, 64));
    QVERIFY(preferred(1024, 24));   // longer: small heads only
    QVERIFY(!preferred(1024, 32));
    QVERIFY(preferred(2048, 12));
    QVERIFY(!preferred(2048, 16));
    QVERIFY(!preferred(256, kCpuAttentionMaxHeadDim + 2));
  }

  void refusesWhatItCannotCompute_data() {
    QTest::addColumn<int>("which");
    QTest::newRow("float64") << 0;
    QTest::newRow("head size above the limit") << 1;
    QTest::newRow("heads not a multiple of key/value heads") << 2;
    QTest::newRow("keys shorter than queries") << 3;
  }

  void refusesWhatItCannotCompute() {
    QFETCH(int, which);
    const int64_t d = which == 1 ? kCpuAttentionMaxHeadDim + 1 : 8;
    auto q = torch::randn({1, which == 2 ? 3 : 4, 5, d});
    auto k = torch::randn({1, 2, which == 3 ? 4 : 5, d});
    if (which == 0) q = q.to(torch::kFloat64), k = k.to(torch::kFloat64);
    QVERIFY(!cpu_causal_attention_applies(q, k, k));
    try {
      cpu_causal_attention(q, k, k, 0.3);
      QFAIL("no error");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find("CPU causal attention") != std::string::npos, e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestCpuCausalAttention)
#include "test_cpu_causal_attention.moc"
