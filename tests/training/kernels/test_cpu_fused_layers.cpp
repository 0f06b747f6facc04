// ctest-labels: unit
// The fused CPU RMSNorm and rotary embedding: values and gradients equal the composed torch
// operations (transformers' formulas) and a float64 evaluation of them, for odd widths, strided
// and transposed layouts and a frozen weight; results do not depend on the thread count; the
// output keeps the input's layout; inputs they cannot take are refused with a clear error.
#include <QtTest>

#include "base/error.h"
#include "training/kernels/cpu_fused_layers.h"

using namespace glossa;

namespace {

// transformers' LlamaRMSNorm and apply_rotary_pos_emb, composed from torch operations.
torch::Tensor composed_rms_norm(const torch::Tensor& x, const torch::Tensor& w, double eps) {
  return w * (x * torch::rsqrt(x.pow(2).mean(-1, true) + eps));
}

torch::Tensor composed_rotary(const torch::Tensor& x, const torch::Tensor& cos,
                              const torch::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  return x * cos + torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1) * sin;
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

// Output and the gradients of `inputs` for `f` with output gradient `grad`.
std::vector<torch::Tensor> run(const std::function<torch::Tensor()>& f,
                               const std::vector<torch::Tensor>& inputs,
                               const torch::Tensor& grad) {
  const torch::Tensor out = f();
  std::vector<torch::Tensor> result = {out.detach()};
  for (const auto& g : torch::autograd::grad({out}, inputs, {grad.to(out.scalar_type())}))
    result.push_back(g);
  return result;
}

// (B, H, T, D) tables-compatible cos/sin (T, D) with transformers' cat(freqs, freqs) layout.
std::pair<torch::Tensor, torch::Tensor> tables(int64_t t, int64_t d) {
  const auto inv = 1.0 / torch::pow(10000.0, torch::arange(0, d, 2).to(torch::kFloat32) / d);
  const auto freqs = torch::outer(torch::arange(t).to(torch::kFloat32), inv);
  const auto angles = torch::cat({freqs, freqs}, -1);
  return {angles.cos(), angles.sin()};
}

}  // namespace

class TestCpuFusedLayers : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void rmsNormMatchesComposed_data() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("width");
    QTest::addColumn<double>("amplitude");
    QTest::newRow("model width") << 40 << 256 << 1.0;
    QTest::newRow("odd width") << 7 << 33 << 1.0;
    QTest::newRow("one row, large values") << 1 << 64 << 1e3;
  }

  void rmsNormMatchesComposed() {
    QFETCH(int, rows);
    QFETCH(int, width);
    QFETCH(double, amplitude);
    torch::manual_seed(11);
    const auto x = (torch::randn({2, rows, width}) * amplitude).requires_grad_();
    const auto w = (torch::rand({width}) + 0.5).requires_grad_();
    const auto grad = torch::randn({2, rows, width});
    const auto mine = run([&] { return cpu_rms_norm(x, w, 1e-5); }, {x, w}, grad);
    const auto torch32 = run([&] { return composed_rms_norm(x, w, 1e-5); }, {x, w}, grad);
    const auto x64 = x.detach().to(torch::kFloat64).requires_grad_();
    const auto w64 = w.detach().to(torch::kFloat64).requires_grad_();
    const auto want = run([&] { return composed_rms_norm(x64, w64, 1e-5); }, {x64, w64}, grad);
    // Relative to each tensor's size: dx scales as 1 / amplitude, dw with the row count.
    for (size_t i = 0; i < 3; ++i) {
      const double size = want[i].abs().max().item<double>();
      qInfo("tensor %zu: vs float64 %.2g, vs torch float32 %.2g (of %.3g)", i,
            max_diff(mine[i], want[i]), max_diff(mine[i], torch32[i]), size);
      QVERIFY(max_diff(mine[i], want[i]) <= 2e-6 * size);
      QVERIFY(max_diff(mine[i], torch32[i]) <= 2e-6 * size);
    }
  }

  void rmsNormFrozenWeight() {
    torch::manual_seed(12);
    const auto x = torch::randn({5, 48}).requires_grad_();
    const auto w = torch::rand({48}) + 0.5;  // frozen: no gradient asked for
    const auto grad = torch::randn({5, 48});
    const auto mine = run([&] { return cpu_rms_norm(x, w, 1e-6); }, {x}, grad);
    const auto want = run([&] { return composed_rms_norm(x, w, 1e-6); }, {x}, grad);
    QVERIFY(max_diff(mine[1], want[1]) <= 1e-5);
  }

  void rotaryMatchesComposed_data() {
    QTest::addColumn<bool>("headsLast");  // (B, T, H, D) memory, as the model's projections
    QTest::addColumn<int>("headDim");
    QTest::newRow("model layout, head 32") << true << 32;
    QTest::newRow("contiguous, head 8") << false << 8;
    QTest::newRow("model layout, head 6") << true << 6;
  }

  void rotaryMatchesComposed() {
    QFETCH(bool, headsLast);
    QFETCH(int, headDim);
    torch::manual_seed(13);
    const int64_t b = 2, h = 3, t = 19;
    const auto x = (headsLast ? torch::randn({b, t, h, headDim}).transpose(1, 2)
                              : torch::randn({b, h, t, headDim}))
                       .requires_grad_();
    const auto [cos, sin] = tables(t, headDim);
    const auto grad = torch::randn({b, h, t, headDim});
    const auto mine = run([&] { return cpu_rotary(x, cos, sin); }, {x}, grad);
    const auto want = run([&] { return composed_rotary(x, cos, sin); }, {x}, grad);
    QCOMPARE(mine[0].strides().vec(), x.strides().vec());  // the input's layout
    qInfo("out %.2g dx %.2g", max_diff(mine[0], want[0]), max_diff(mine[1], want[1]));
    QVERIFY(max_diff(mine[0], want[0]) <= 1e-6);
    QVERIFY(max_diff(mine[1], want[1]) <= 1e-6);
  }

  void rotaryTakesAStridedLastDimension() {
    torch::manual_seed(14);
    const auto x = torch::randn({1, 2, 8, 10}).transpose(2, 3).requires_grad_();  // (1, 2, 10, 8)
    QVERIFY(x.stride(3) != 1);
    const auto [cos, sin] = tables(10, 8);
    const auto grad = torch::randn({1, 2, 10, 8});
    const auto mine = run([&] { return cpu_rotary(x, cos, sin); }, {x}, grad);
    const auto want = run([&] { return composed_rotary(x, cos, sin); }, {x}, grad);
    QVERIFY(max_diff(mine[0], want[0]) <= 1e-6);
    QVERIFY(max_diff(mine[1], want[1]) <= 1e-6);
  }

  // Rows are independent and the weight gradient is summed per column in row order, so one
  // thread and two give the same bits (a resumed run may use another thread count).
  void threadCountDoesNotChangeTheBits() {
    torch::manual_seed(15);
    const auto x = torch::randn({300, 96}).requires_grad_();
    const auto w = (torch::rand({96}) + 0.5).requires_grad_();
    const auto grad = torch::randn({300, 96});
    const int before = at::get_num_threads();
    at::set_num_threads(1);
    const auto one = run([&] { return cpu_rms_norm(x, w, 1e-5); }, {x, w}, grad);
    at::set_num_threads(2);
    const auto two = run([&] { return cpu_rms_norm(x, w, 1e-5); }, {x, w}, grad);
    at::set_num_threads(before);
    for (size_t i = 0; i < 3; ++i) QVERIFY(torch::equal(one[i], two[i]));
  }

  void refusesWhatItCannotCompute() {
    const auto x64 = torch::randn({2, 4}, torch::kFloat64);
    QVERIFY(!cpu_fused_layers_apply({&x64}));
    try {
      cpu_rms_norm(x64, torch::ones({4}, torch::kFloat64), 1e-5);
      QFAIL("no error");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find("CPU RMSNorm") != std::string::npos, e.what());
    }
    try {
      cpu_rms_norm(torch::randn({2, 4}), torch::ones({5}), 1e-5);
      QFAIL("no error");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find("[5]") != std::string::npos, e.what());
    }
    const auto [cos, sin] = tables(5, 8);
    try {
      cpu_rotary(torch::randn({1, 1, 6, 8}), cos, sin);  // 6 positions, tables for 5
      QFAIL("no error");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find("CPU rotary embedding") != std::string::npos, e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestCpuFusedLayers)
#include "test_cpu_fused_layers.moc"
