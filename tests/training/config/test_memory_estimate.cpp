// ctest-labels: unit
// Memory per rank of SOLAR-10.7B expanded to EEVE's 40,960 rows on 8 x 80 GB (bf16, sequence
// 4096, micro-batch 1, activation checkpointing): the full-model stage fits only with ZeRO-1,
// the embeddings-only stage fits without it; counts agree with ModelConfig's own.
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "base/error.h"
#include "training/config/memory_estimate.h"
#include "training/config/run_memory.h"

namespace {

glossa::ModelConfig solar_eeve() {
  glossa::ModelConfig m;  // SOLAR-10.7B (Llama): 48 layers, 4096 hidden, GQA 32/8, 14336 MLP
  m.vocab_size = 40960;
  m.hidden_size = 4096;
  m.intermediate_size = 14336;
  m.num_hidden_layers = 48;
  m.num_attention_heads = 32;
  m.num_key_value_heads = 8;
  m.max_position_embeddings = 4096;
  return m;
}

glossa::StageConfig stage(std::vector<std::string> trainable, bool zero1, bool checkpointing) {
  glossa::StageConfig s;
  s.name = "stage";
  s.trainable = std::move(trainable);
  s.seq_len = 4096;
  s.micro_batch = 1;
  s.zero1 = zero1;
  s.activation_checkpointing = checkpointing;
  return s;
}

glossa::MemoryEstimateOptions eight_h100() {
  glossa::MemoryEstimateOptions o;
  o.base_vocab = 32000;
  o.world_size = 8;
  o.dtype_bytes = 2;
  o.device_bytes = 80LL << 30;
  return o;
}

}  // namespace

class TestMemoryEstimate : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void countsMatchTheModelConfig() {
    const auto e = glossa::estimate_memory(solar_eeve(), stage({"all"}, true, true), eight_h100());
    QCOMPARE(e.parameters, solar_eeve().parameter_count());  // about 10.8 B
    QCOMPARE(e.trainable, e.parameters);
    QCOMPARE(e.parameter_bytes, 2 * e.parameters);
    QCOMPARE(e.optimizer_bytes, 2 * 2 * ((e.trainable + 7) / 8));        // 2 moments, 1/8 each
    QCOMPARE(e.checkpointed_bytes_per_layer, int64_t(2) * 4096 * 4096);  // layer input, bf16
    QVERIFY(e.activation_bytes_per_layer > 10 * e.checkpointed_bytes_per_layer);
  }

  void fullModelStageNeedsZero1() {
    const auto plain =
        glossa::estimate_memory(solar_eeve(), stage({"all"}, false, true), eight_h100());
    const auto zero1 =
        glossa::estimate_memory(solar_eeve(), stage({"all"}, true, true), eight_h100());
    qInfo("full model, plain: %s", plain.verdict.c_str());
    qInfo("full model, ZeRO-1: %s", zero1.verdict.c_str());
    QVERIFY2(!plain.fits, plain.verdict.c_str());
    QVERIFY2(plain.verdict.find("zero1 would save") != std::string::npos, plain.verdict.c_str());
    QVERIFY2(zero1.fits, zero1.verdict.c_str());
    // ZeRO-1 trades 7/8 of the AdamW state for a 1/8 reduce-scatter output buffer.
    QCOMPARE(plain.total_bytes - zero1.total_bytes,
             (plain.optimizer_bytes - zero1.optimizer_bytes) -
                 (zero1.bucket_bytes - plain.bucket_bytes));
    // Without checkpointing, 48 layers of activations do not fit even with ZeRO-1.
    const auto no_ckpt =
        glossa::estimate_memory(solar_eeve(), stage({"all"}, true, false), eight_h100());
    qInfo("full model, ZeRO-1, no checkpointing: %s", no_ckpt.verdict.c_str());
    QVERIFY2(!no_ckpt.fits, no_ckpt.verdict.c_str());
    QVERIFY(no_ckpt.verdict.find("activation checkpointing would save") != std::string::npos);
  }

  // bf16-mixed (the CUDA default): float32 moments and masters, 12 bytes a trainable element
  // (/ W under ZeRO-1) instead of 4; parameters, gradients and activations as bf16.
  void mixedPrecisionCountsTheFloat32Masters() {
    glossa::MemoryEstimateOptions mixed = eight_h100();
    mixed.fp32_masters = true;
    const auto pure = glossa::estimate_memory(solar_eeve(), stage({"all"}, true, true), eight_h100());
    const auto e = glossa::estimate_memory(solar_eeve(), stage({"all"}, true, true), mixed);
    qInfo("full model, ZeRO-1, bf16-mixed: %s", e.verdict.c_str());
    QCOMPARE(e.optimizer_bytes, 12 * ((e.trainable + 7) / 8));
    QCOMPARE(e.optimizer_bytes, 3 * pure.optimizer_bytes);
    QCOMPARE(e.parameter_bytes, pure.parameter_bytes);
    QCOMPARE(e.total_bytes - pure.total_bytes, e.optimizer_bytes - pure.optimizer_bytes);
  }

  void embeddingsOnlyStageFitsWithoutZero1() {
    // EEVE stage 3: new input and new output rows only.
    const auto e = glossa::estimate_memory(
        solar_eeve(), stage({"embed.new", "lm_head.new"}, false, true), eight_h100());
    qInfo("embeddings only: %s", e.verdict.c_str());
    QCOMPARE(e.trainable, int64_t(2) * 8960 * 4096);
    QCOMPARE(e.gradient_tensors, int64_t(2) * 40960 * 4096);  // full .grad of both matrices
    QVERIFY2(e.fits, e.verdict.c_str());
    const nlohmann::json j = e.to_json();
    QCOMPARE(j.at("fits").get<bool>(), true);
    QCOMPARE(j.at("total_bytes").get<int64_t>(), e.total_bytes);
  }

  // What glossa-train prints before a run (run_memory.h): every stage, the model grown to the
  // new-token map's rows and padded, stages over budget listed.
  void runCheckCoversEveryStageOfTheResizedModel() {
    QTemporaryDir dir;
    const std::string map = dir.path().toStdString() + "/new_token_map.jsonl";
    std::ofstream(map) << R"({"id":40899,"piece":"가","base_ids":[31734],"base_pieces":["가"]})"
                       << "\n";
    nlohmann::json model = solar_eeve().to_json();
    model["vocab_size"] = 32000;
    auto stage_json = [](const std::string& name, const std::string& group, bool zero1) {
      return nlohmann::json{{"name", name},        {"trainable", {group}}, {"budget_steps", 10},
                            {"peak_lr", 1e-4},     {"seq_len", 4096},      {"micro_batch", 1},
                            {"zero1", zero1},      {"activation_checkpointing", true}};
    };
    const nlohmann::json run = {
        {"run_dir", dir.path().toStdString() + "/run"},
        {"model", {{"init", "random"}, {"config", model}}},
        {"new_token_map", map},
        {"dtype", "bf16"},
        {"device", "cuda"},
        {"schedule",
         {{"name", "eeve"},
          {"init", "random"},
          {"pad_vocab_to_multiple", 64},
          {"stages",
           {stage_json("embeddings", "embed.new", false), stage_json("full", "all", false),
            stage_json("full_zero1", "all", true)}}}},
        {"data", {{"sources", {{{"name", "ko"}, {"prefix", "/nonexistent/ko"}}}}}}};
    const glossa::RunConfig config = glossa::RunConfig::from_json(run);
    const glossa::RunMemoryCheck check = glossa::check_run_memory(config, 8, 80LL << 30);
    QVERIFY2(check.table.find("| embeddings | ") != std::string::npos, check.table.c_str());
    QVERIFY(check.table.find("| full_zero1 | ") != std::string::npos);
    QVERIFY(check.table.find("(of 8)") != std::string::npos);
    QCOMPARE(int(check.not_fitting.size()), 1);  // the full stage without ZeRO-1
    QVERIFY2(check.not_fitting[0].rfind("stage 'full': does not fit", 0) == 0,
             check.not_fitting[0].c_str());
    // The same numbers as estimate_memory on the grown model (40,900 rows padded to 40,960).
    glossa::MemoryEstimateOptions o = eight_h100();
    const auto direct = glossa::estimate_memory(solar_eeve(), config.schedule.stages[2], o);
    QVERIFY(check.table.find(direct.verdict) != std::string::npos);
  }

  void rejectsSelectorsAndSizes() {
    QVERIFY_THROWS_EXCEPTION(glossa::Error,
                             glossa::estimate_memory(solar_eeve(), stage({"nope"}, false, false)));
    auto o = eight_h100();
    o.world_size = 0;
    QVERIFY_THROWS_EXCEPTION(
        glossa::Error, glossa::estimate_memory(solar_eeve(), stage({"all"}, false, false), o));
  }
};

QTEST_GUILESS_MAIN(TestMemoryEstimate)
#include "test_memory_estimate.moc"
