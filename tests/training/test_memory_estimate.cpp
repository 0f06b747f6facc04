// ctest-labels: unit
// Memory per rank of SOLAR-10.7B expanded to EEVE's 40,960 rows on 8 x 80 GB (bf16, sequence
// 4096, micro-batch 1, activation checkpointing): the full-model stage fits only with ZeRO-1,
// the embeddings-only stage fits without it; counts agree with ModelConfig's own.
#include <QtTest>

#include "tokenizer/error.h"
#include "training/memory_estimate.h"

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
