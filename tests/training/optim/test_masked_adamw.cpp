// ctest-labels: unit
// Masked AdamW: frozen tensors and frozen rows stay bit-identical under weight decay and nonzero
// gradients; whole tensors match torch::optim::AdamW and Python's torch.optim.AdamW; state
// exists only for what trains, carries over between stages and round-trips through a checkpoint;
// under bf16-mixed, float32 masters keep the small updates bf16 rounds away.
#include <QtTest>
#include <fstream>

#include "support/test_support.h"
#include "base/error.h"
#include "training/optim/masked_adamw.h"
#include "training/optim/step_optimizer.h"

using namespace glossa;

namespace {

constexpr int64_t kC = 8, kBase = 8, kVocab = 12, kLayers = 2;

// A tiny untied Llama parameter list: (V, C) embeddings, (C, C) projections, (C) norms.
NamedParams tiny_model(uint64_t seed) {
  torch::manual_seed(seed);
  NamedParams p = {{"model.embed_tokens.weight", torch::randn({kVocab, kC})}};
  for (int64_t i = 0; i < kLayers; ++i) {
    const std::string l = "model.layers." + std::to_string(i) + ".";
    for (const char* n : {"q", "k", "v", "o"})
      p.push_back({l + "self_attn." + n + "_proj.weight", torch::randn({kC, kC})});
    for (const char* n : {"gate", "up", "down"})
      p.push_back({l + "mlp." + n + "_proj.weight", torch::randn({kC, kC})});
    p.push_back({l + "input_layernorm.weight", torch::ones({kC})});
    p.push_back({l + "post_attention_layernorm.weight", torch::ones({kC})});
  }
  p.push_back({"model.norm.weight", torch::ones({kC})});
  p.push_back({"lm_head.weight", torch::randn({kVocab, kC})});
  return p;
}

std::vector<std::string> names_of(const NamedParams& p) {
  std::vector<std::string> n;
  for (const auto& [name, t] : p) n.push_back(name);
  return n;
}

NamedParams clone(const NamedParams& p) {
  NamedParams out;
  for (const auto& [name, t] : p) out.push_back({name, t.detach().clone()});
  return out;
}

// Gives every parameter a nonzero random gradient (frozen rows included).
void random_grads(const NamedParams& p) {
  for (const auto& [name, t] : p) t.mutable_grad() = torch::randn_like(t) + 0.5;
}

StageConfig stage(std::vector<std::string> trainable) {
  StageConfig s;
  s.name = "test";
  s.trainable = std::move(trainable);
  s.weight_decay = 0.1;
  s.decay_embeddings = true;  // decay on trained rows: frozen rows must still not move
  return s;
}

torch::Tensor param(const NamedParams& p, const std::string& name) {
  for (const auto& [n, t] : p)
    if (n == name) return t;
  throw std::runtime_error(name);
}

void write_f32(const QString& path, const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kFloat32).contiguous();
  std::ofstream(path.toStdString(), std::ios::binary)
      .write(static_cast<const char*>(c.data_ptr()), c.numel() * 4);
}

}  // namespace

class TestMaskedAdamW : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void frozenTensorsAndFrozenRowsStayBitIdentical() {
    const NamedParams p = tiny_model(1);
    const NamedParams before = clone(p);
    const ParamGroups g = ParamGroups::build(names_of(p), kVocab, kBase);
    const FreezePlan plan = build_freeze_plan(stage({"embed.new", "lm_head", "layers.1.attn"}), g);
    apply_requires_grad(p, plan);
    QVERIFY(param(p, "lm_head.weight").requires_grad());
    QVERIFY(!param(p, "model.layers.0.mlp.up_proj.weight").requires_grad());
    MaskedAdamW opt(p, plan, AdamWSettings{0.9, 0.95, 1e-8, 0.1});
    // State only for the slices: 4 new embedding rows, 12 head rows, 4 (C, C) projections.
    QCOMPARE(opt.state_numel(), 2 * (4 * kC + kVocab * kC + 4 * kC * kC));
    for (int step = 0; step < 25; ++step) {
      random_grads(p);
      opt.set_lr(0.05);
      opt.clip_grad_norm(1.0);
      opt.step();
    }
    for (size_t i = 0; i < p.size(); ++i) {
      const std::string& name = p[i].first;
      const torch::Tensor now = p[i].second, old = before[i].second;
      if (name == "model.embed_tokens.weight") {
        QVERIFY(torch::equal(now.narrow(0, 0, kBase), old.narrow(0, 0, kBase)));  // bit-identical
        QVERIFY(!torch::equal(now.narrow(0, kBase, kVocab - kBase),
                              old.narrow(0, kBase, kVocab - kBase)));
      } else if (plan.trains(name)) {
        QVERIFY2(!torch::equal(now, old), name.c_str());
      } else {
        QVERIFY2(torch::equal(now, old), name.c_str());
      }
    }
  }

  void wholeTensorsMatchTorchAdamW() {
    const NamedParams p = tiny_model(2);
    const ParamGroups g = ParamGroups::build(names_of(p), kVocab, kBase);
    const FreezePlan plan = build_freeze_plan(stage({"layers.all.attn", "layers.all.mlp"}), g);
    std::vector<torch::Tensor> reference;
    for (const TrainSlice& s : plan.slices)
      reference.push_back(param(p, s.slice.tensor).detach().clone().requires_grad_(true));
    torch::optim::AdamW torch_opt(
        reference, torch::optim::AdamWOptions(1e-2).betas({0.9, 0.95}).eps(1e-8).weight_decay(0.1));
    MaskedAdamW opt(p, plan, AdamWSettings{0.9, 0.95, 1e-8, 0.1});
    for (int step = 0; step < 10; ++step) {
      const double lr = step < 5 ? 1e-2 : 3e-3;  // a schedule changes lr between steps
      for (size_t i = 0; i < plan.slices.size(); ++i) {
        const torch::Tensor grad = torch::randn_like(reference[i]);
        reference[i].mutable_grad() = grad.clone();
        param(p, plan.slices[i].slice.tensor).mutable_grad() = grad.clone();
      }
      static_cast<torch::optim::AdamWOptions&>(torch_opt.param_groups()[0].options()).lr(lr);
      torch_opt.step();
      opt.set_lr(lr);
      opt.step();
    }
    double worst = 0;
    for (size_t i = 0; i < plan.slices.size(); ++i)
      worst = std::max(
          worst, (param(p, plan.slices[i].slice.tensor) - reference[i]).abs().max().item<double>());
    qInfo("max |masked - torch::optim::AdamW| after 10 steps: %.3g", worst);
    QVERIFY2(worst <= 1e-6, qPrintable(QString::number(worst)));
  }

  void matchesPythonTorchAdamWOnASavedCase() {
    GLOSSA_REQUIRE_PYTHON(py);
    QTemporaryDir dir;
    torch::manual_seed(3);
    const int64_t steps = 10;
    const torch::Tensor p0 = torch::randn({6, 5});
    const torch::Tensor grads = torch::randn({steps, 6, 5});
    write_f32(dir.filePath("p0.f32"), p0);
    write_f32(dir.filePath("grads.f32"), grads);
    NamedParams p = {{"model.embed_tokens.weight", torch::zeros({4, 5})},
                     {"model.layers.0.mlp.up_proj.weight", p0.clone()}};
    const ParamGroups g = ParamGroups::build(names_of(p), 4, 4);
    MaskedAdamW opt(p, build_freeze_plan(stage({"layers.0.mlp"}), g),
                    AdamWSettings{0.9, 0.95, 1e-8, 0.1});
    opt.set_lr(2e-2);
    for (int64_t s = 0; s < steps; ++s) {
      p[1].second.mutable_grad() = grads[s].clone();
      opt.step();
    }
    const auto r =
        glossa::test::run(py, {glossa::test::pythonScript("adamw_reference.py"), dir.path(), "30",
                               "10", "2e-2", "0.9", "0.95", "1e-8", "0.1"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    std::ifstream in(dir.filePath("final.f32").toStdString(), std::ios::binary);
    torch::Tensor expected = torch::empty({6, 5});
    in.read(static_cast<char*>(expected.data_ptr()), 30 * 4);
    const double diff = (p[1].second - expected).abs().max().item<double>();
    qInfo("max |masked - Python torch.optim.AdamW| after 10 steps: %.3g", diff);
    QVERIFY2(diff <= 1e-6, qPrintable(QString::number(diff)));
  }

  void clippingMeasuresAndScalesOnlyTrainableRows() {
    NamedParams p = {{"model.embed_tokens.weight", torch::zeros({kVocab, kC})},
                     {"model.norm.weight", torch::zeros({kC})},
                     {"lm_head.weight", torch::zeros({kVocab, kC})}};
    const ParamGroups g = ParamGroups::build(names_of(p), kVocab, kBase);
    MaskedAdamW opt(p, build_freeze_plan(stage({"embed.new", "final_norm"}), g), {});
    torch::Tensor embed_grad = torch::full({kVocab, kC}, 100.0);  // frozen rows: huge
    embed_grad.narrow(0, kBase, kVocab - kBase).fill_(0.5);       // 32 entries: norm sqrt(8)
    p[0].second.mutable_grad() = embed_grad;
    p[1].second.mutable_grad() = torch::full({kC}, 1.0);            // norm sqrt(8)
    p[2].second.mutable_grad() = torch::full({kVocab, kC}, 100.0);  // frozen tensor
    const ClipResult r = opt.clip_grad_norm(1.0);
    // Slice norms are float32 (as torch.nn.utils.clip_grad_norm_): ~1e-7 relative.
    QVERIFY(qAbs(r.total_norm - 4.0) < 1e-6);  // sqrt(8 + 8)
    QVERIFY(qAbs(r.group_norms.at("embed.new") - std::sqrt(8.0)) < 1e-6);
    QVERIFY(qAbs(r.group_norms.at("final_norm") - std::sqrt(8.0)) < 1e-6);
    QVERIFY(qAbs(r.scale - 1.0 / (r.total_norm + 1e-6)) < 1e-12);
    QCOMPARE(p[0].second.grad()[0][0].item<float>(), 100.0f);  // frozen rows untouched
    QVERIFY(qAbs(p[0].second.grad()[kBase][0].item<double>() - 0.5 * r.scale) < 1e-7);
    QCOMPARE(p[2].second.grad()[0][0].item<float>(), 100.0f);
  }

  void stateCarriesOverForSlicesThatKeepTraining() {
    const NamedParams p = tiny_model(4);
    const ParamGroups g = ParamGroups::build(names_of(p), kVocab, kBase);
    MaskedAdamW first(p, build_freeze_plan(stage({"embed.new", "lm_head.new"}), g), {});
    first.set_lr(1e-2);
    for (int i = 0; i < 3; ++i) {
      random_grads(p);
      first.step();
    }
    MaskedAdamW second(p, build_freeze_plan(stage({"embed.new", "lm_head"}), g), {});
    int64_t carried = 0;
    second.load_state(carry_over_state(first.state(), second.plan(), p, &carried));
    QCOMPARE(carried, int64_t(2));  // embed.new, lm_head.new
    const nlohmann::json state = second.state_json();
    std::map<std::string, int64_t> steps;
    for (const auto& s : state["slices"]) steps[s["key"]] = s["step"];
    QCOMPARE(steps.at("model.embed_tokens.weight[8:12]"), int64_t(3));
    QCOMPARE(steps.at("lm_head.weight[8:12]"), int64_t(3));
    QCOMPARE(steps.at("lm_head.weight[0:8]"), int64_t(0));  // new slice: fresh
    const auto a = first.state_tensors(), b = second.state_tensors();
    QVERIFY(torch::equal(a.at("lm_head.weight[8:12].exp_avg_sq"),
                         b.at("lm_head.weight[8:12].exp_avg_sq")));
    QVERIFY(b.at("lm_head.weight[0:8].exp_avg").abs().max().item<float>() == 0.0f);
    // A stage with reset_optimizer simply does not carry: everything starts at step 0.
    MaskedAdamW reset(p, build_freeze_plan(stage({"embed.new"}), g), {});
    QCOMPARE(reset.state_json()["slices"][0]["step"].get<int64_t>(), int64_t(0));
  }

  void checkpointRoundTripResumesExactly() {
    const NamedParams a = tiny_model(5);
    const ParamGroups g = ParamGroups::build(names_of(a), kVocab, kBase);
    const FreezePlan plan = build_freeze_plan(stage({"embed.new", "layers.0"}), g);
    MaskedAdamW opt_a(a, plan, AdamWSettings{0.9, 0.99, 1e-8, 0.1});
    opt_a.set_lr(1e-2);
    torch::manual_seed(9);
    for (int i = 0; i < 3; ++i) {
      random_grads(a);
      opt_a.step();
    }
    const NamedParams b = clone(a);
    MaskedAdamW opt_b(b, plan, AdamWSettings{0.9, 0.99, 1e-8, 0.1});
    const nlohmann::json saved = nlohmann::json::parse(opt_a.state_json().dump());
    opt_b.load_state(opt_a.state_tensors(), saved);
    QCOMPARE(opt_b.lr(), 1e-2);
    for (int i = 0; i < 3; ++i) {
      torch::manual_seed(100 + i);
      random_grads(a);
      torch::manual_seed(100 + i);
      random_grads(b);
      opt_a.step();
      opt_b.step();
    }
    for (size_t i = 0; i < a.size(); ++i) QVERIFY(torch::equal(a[i].second, b[i].second));
    // A checkpoint of another stage is refused, naming the mismatch.
    MaskedAdamW other(b, build_freeze_plan(stage({"embed.new"}), g), {});
    QVERIFY_THROWS_EXCEPTION(Error, other.load_state(opt_a.state_tensors(), saved));
  }

  // bf16-mixed: at EEVE's learning rate (4e-5) pure bf16 rounds every update of values near 1
  // away; float32 masters keep them and equal float32 AdamW fed the same (bf16) gradients, the
  // bf16 rows being exactly the masters rounded; frozen rows stay bit-identical.
  void mixedPrecisionKeepsUpdatesBf16RoundsAway() {
    NamedParams fp32;
    for (const auto& [name, t] : tiny_model(7)) fp32.push_back({name, t * 0.1});  // weights ~0.1
    NamedParams pure, mixed;
    for (const auto& [name, t] : fp32) {
      pure.push_back({name, t.detach().to(torch::kBFloat16)});
      mixed.push_back({name, t.detach().to(torch::kBFloat16)});
    }
    NamedParams reference;  // float32 copies of the bf16 starting point
    for (const auto& [name, t] : mixed) reference.push_back({name, t.detach().to(torch::kFloat32)});
    const ParamGroups g = ParamGroups::build(names_of(fp32), kVocab, kBase);
    const FreezePlan plan = build_freeze_plan(stage({"embed.new", "layers.0.attn"}), g);
    AdamWSettings settings{0.9, 0.95, 1e-8, 0.0};
    MaskedAdamW opt_pure(pure, plan, settings), opt_ref(reference, plan, settings);
    settings.fp32_master = true;
    MaskedAdamW opt_mixed(mixed, plan, settings);
    QVERIFY(opt_mixed.has_masters() && !opt_pure.has_masters());
    QVERIFY(!MaskedAdamW(fp32, plan, settings).has_masters());  // float32 parameters need none
    // Moments and masters in float32: 3 x the trainable elements.
    QCOMPARE(opt_mixed.state_numel(), 3 * (4 * kC + 4 * kC * kC));
    const NamedParams start = clone(mixed);
    for (int step = 0; step < 20; ++step) {
      torch::manual_seed(200 + step);
      for (size_t i = 0; i < mixed.size(); ++i) {
        // Mostly one sign, so the updates add up (as a gradient with a direction does).
        const torch::Tensor grad = (torch::randn_like(fp32[i].second) + 2).to(torch::kBFloat16);
        pure[i].second.mutable_grad() = grad.clone();
        mixed[i].second.mutable_grad() = grad.clone();
        reference[i].second.mutable_grad() = grad.to(torch::kFloat32);
      }
      for (MaskedAdamW* o : {&opt_pure, &opt_mixed, &opt_ref}) {
        o->set_lr(4e-5);
        o->step();
      }
    }
    const auto rows = [](const NamedParams& p, const char* name) {
      return param(p, name).narrow(0, kBase, kVocab - kBase);
    };
    const char* embed = "model.embed_tokens.weight";
    const torch::Tensor moved_pure = rows(pure, embed).ne(rows(start, embed));
    const torch::Tensor moved_ref = rows(reference, embed).to(torch::kBFloat16).ne(rows(start, embed));
    const double pure_share = moved_pure.to(torch::kFloat32).mean().item<double>();
    const double ref_share = moved_ref.to(torch::kFloat32).mean().item<double>();
    qInfo("new rows' elements changed after 20 steps at lr 4e-5: pure bf16 %.0f %%, float32 %.0f %%",
          100 * pure_share, 100 * ref_share);
    QVERIFY(pure_share < 0.25);  // only the few weights near 0 are fine-grained enough
    QVERIFY(ref_share > 0.8);
    // The masters are float32 AdamW, term for term; the bf16 rows are them rounded.
    const OptimizerState state = opt_mixed.state();
    const torch::Tensor master = state.tensors.at(std::string(embed) + "[8:12].master");
    QCOMPARE(master.scalar_type(), torch::kFloat32);
    QVERIFY(torch::equal(master, rows(reference, embed)));
    QVERIFY(torch::equal(rows(mixed, embed), master.to(torch::kBFloat16)));
    QVERIFY(torch::equal(param(mixed, embed).narrow(0, 0, kBase), param(start, embed).narrow(0, 0, kBase)));
    QVERIFY(torch::equal(param(mixed, "lm_head.weight"), param(start, "lm_head.weight")));
    QCOMPARE(state.json.value("masters", false), true);

    // Round trip: the masters come back; a state that promises masters and lacks one is refused;
    // a carried-over state without masters starts them from the bf16 rows.
    const NamedParams again = clone(mixed);
    MaskedAdamW restored(again, plan, settings);
    restored.load_state(state);
    QVERIFY(torch::equal(restored.state().tensors.at(std::string(embed) + "[8:12].master"), master));
    OptimizerState lacking = state;
    lacking.tensors.erase(std::string(embed) + "[8:12].master");
    QVERIFY_THROWS_EXCEPTION(Error, restored.load_state(lacking));
    lacking.json["masters"] = false;
    restored.load_state(lacking);
    QVERIFY(torch::equal(restored.state().tensors.at(std::string(embed) + "[8:12].master"),
                         rows(mixed, embed).to(torch::kFloat32)));
    // A mixed state into an optimizer without masters (resumed with another dtype): refused.
    QVERIFY_THROWS_EXCEPTION(Error, opt_pure.load_state(state));
  }

  void missingParameterIsRefused() {
    NamedParams p = tiny_model(6);
    const ParamGroups g = ParamGroups::build(names_of(p), kVocab, kBase);
    const FreezePlan plan = build_freeze_plan(stage({"final_norm"}), g);
    p.pop_back();
    p.erase(p.end() - 1);  // drop model.norm.weight
    QVERIFY_THROWS_EXCEPTION(Error, MaskedAdamW(p, plan, {}));
  }
};

QTEST_GUILESS_MAIN(TestMaskedAdamW)
#include "test_masked_adamw.moc"
