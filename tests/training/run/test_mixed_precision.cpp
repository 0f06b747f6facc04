// ctest-labels: unit data
// bf16-mixed on a real model (issue 21): stories260K (llama2.c, imported untied) grown by 16 new
// tokens, EEVE's first stage (new input embeddings only) at EEVE's learning rate 4e-5 for 40
// steps, trained three ways on the CPU from the same weights and batches. Pure bfloat16 rounds
// nearly every update of the new rows away; bf16-mixed (float32 masters) moves them as float32
// does, its rows within one bf16 rounding of the float32 run's; its losses stay within a stated
// tolerance of float32's.
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "base/indexed_dataset.h"
#include "support/test_support.h"
#include "support/trainer_fixture.h"
#include "training/api/model_import_api.h"

using namespace glossa;
using nlohmann::json;

namespace {

constexpr int64_t kBase = 512, kNew = 16;  // tok512 ids, then 512..527
constexpr int kSteps = 40;

struct Outcome {
  torch::Tensor start, end;   // the new input-embedding rows (kNew, C) before and after
  std::vector<double> losses;  // per step
};

// The trainer's new rows at its first stage start and at the end, and its losses.
Outcome train(const json& run) {
  const RunConfig config = RunConfig::from_json(run);
  JobControl control;
  test::Recorder rec;
  Trainer trainer(config, control, &rec);
  Outcome out;
  const auto new_rows = [&trainer] {
    for (const auto& item : trainer.model().named_parameters())
      if (item.key() == "model.embed_tokens.weight")
        return item.value().detach().narrow(0, kBase, kNew).clone();
    return torch::Tensor();
  };
  rec.stage_hook = [&](const StageInfo&, bool start) {
    if (start) out.start = new_rows();
  };
  const TrainResult result = trainer.run();
  if (result.status != "finished") qWarning("run ended %s", result.status.c_str());
  out.end = new_rows();
  for (const StepRecord& s : rec.steps) out.losses.push_back(s.loss);
  return out;
}

// Share of elements whose bf16 value moved.
double moved_share(const torch::Tensor& start, const torch::Tensor& end) {
  return end.to(torch::kBFloat16).ne(start.to(torch::kBFloat16)).to(torch::kFloat32).mean().item<double>();
}

}  // namespace

class TestMixedPrecision : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string root_;

  json run_json(const std::string& dtype) const {
    const json stage = {{"name", "1 new input embeddings"}, {"trainable", {"embed.new"}},
                        {"budget_steps", kSteps},           {"peak_lr", 4e-5},
                        {"warmup_steps", 0},                {"schedule", "constant"},
                        {"seq_len", 64},                    {"micro_batch", 4}};
    return {{"run_dir", root_ + "/run-" + dtype},
            {"model", {{"path", root_ + "/base"}}},
            {"new_token_map", root_ + "/new_token_map.jsonl"},
            {"schedule", {{"name", "eeve stage 1"}, {"new_rows_init", "eeve"}, {"stages", {stage}}}},
            {"data", {{"sources", {{{"name", "train"}, {"prefix", root_ + "/train"}}}}, {"seed", 3u}}},
            {"dtype", dtype},
            {"seed", 5},
            {"threads", 2}};
  }

 private Q_SLOTS:
  void initTestCase() {
    GLOSSA_REQUIRE_SHARED(bin, "models/stories260K/stories260K.bin");
    root_ = dir_.path().toStdString();
    import_llama2c_to_hf(bin.toStdString(), root_ + "/base", /*untie=*/true);
    std::ofstream map(root_ + "/new_token_map.jsonl");
    for (int64_t k = 0; k < kNew; ++k)
      map << json{{"id", kBase + k}, {"piece", "\u2581new" + std::to_string(k)},
                  {"base_ids", {100 + k, 200 + k}},
                  {"base_pieces", {"a" + std::to_string(k), "b" + std::to_string(k)}}}
                 .dump()
          << "\n";
    map.close();
    // 400 documents of tok512 ids with a new token every fourth position.
    IndexedDatasetWriter w(root_ + "/train", TokenDtype::kUint16);
    for (int d = 0; d < 400; ++d) {
      std::vector<int32_t> ids;
      for (int p = 0; p < 48; ++p)
        ids.push_back(p % 4 == 3 ? int32_t(kBase + (d + p) % kNew) : int32_t(3 + (d * 31 + p * 17) % 500));
      ids.push_back(2);  // EOS
      w.add_document(ids);
    }
    w.finish();
  }

  void mixedPrecisionMovesTheNewRowsAsFloat32Does() {
    const Outcome fp32 = train(run_json("float32"));
    const Outcome mixed = train(run_json("bf16-mixed"));
    const Outcome pure = train(run_json("bfloat16"));
    QCOMPARE(int(fp32.losses.size()), kSteps);
    QCOMPARE(mixed.end.scalar_type(), torch::kBFloat16);
    const double share_fp32 = moved_share(fp32.start, fp32.end);
    const double share_mixed = moved_share(mixed.start, mixed.end);
    const double share_pure = moved_share(pure.start, pure.end);
    qInfo("new-row elements changed (in bf16) after %d steps at lr 4e-5: float32 %.1f %%, "
          "bf16-mixed %.1f %%, pure bf16 %.1f %%",
          kSteps, 100 * share_fp32, 100 * share_mixed, 100 * share_pure);
    QVERIFY(share_pure < 0.2);                           // most updates rounded away
    QVERIFY(share_fp32 > 0.4);                           // they were there to make
    QVERIFY(std::abs(share_mixed - share_fp32) < 0.1);  // and mixed makes them
    // Element by element, mixed is the float32 result rounded to bf16, give or take one ulp
    // (its gradients come from bf16 compute).
    const torch::Tensor want = fp32.end.to(torch::kBFloat16).to(torch::kFloat32);
    const torch::Tensor got = mixed.end.to(torch::kFloat32);
    const torch::Tensor ulp = want.abs().clamp_min(1e-30) * std::ldexp(1.0, -7);
    const double within = (got - want).abs().le(ulp).to(torch::kFloat32).mean().item<double>();
    qInfo("bf16-mixed rows within one bf16 ulp of float32's: %.1f %%", 100 * within);
    QVERIFY(within > 0.99);
    // Losses over the steps: bf16 compute against float32, relative.
    double worst = 0;
    for (int i = 0; i < kSteps; ++i)
      worst = std::max(worst, std::abs(mixed.losses[i] - fp32.losses[i]) / fp32.losses[i]);
    qInfo("largest relative loss difference, bf16-mixed vs float32, %d steps: %.4f", kSteps, worst);
    QVERIFY(worst < 0.02);
  }
};

QTEST_GUILESS_MAIN(TestMixedPrecision)
#include "test_mixed_precision.moc"
