// ctest-labels: unit
// ModelConfig reads Hugging Face config.json files of the Llama family and writes them back.
#include <QtTest>

#include "base/error.h"
#include "training/config/model_config.h"

using glossa::ModelConfig;

class TestModelConfig : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void readsTinyLlamaShape() {
    const auto json = nlohmann::json::parse(R"({"architectures": ["LlamaForCausalLM"],
      "vocab_size": 32000, "hidden_size": 2048, "intermediate_size": 5632,
      "num_hidden_layers": 22, "num_attention_heads": 32, "num_key_value_heads": 4,
      "max_position_embeddings": 2048, "rms_norm_eps": 1e-05, "rope_theta": 10000.0,
      "tie_word_embeddings": false, "torch_dtype": "bfloat16"})");
    const ModelConfig c = ModelConfig::from_json(json);
    QCOMPARE(c.head_size(), int64_t(64));
    QCOMPARE(c.kv_groups(), int64_t(8));
    // TinyLlama 1.1B: 1,100,048,384 parameters (its model card rounds to 1.1B).
    QCOMPARE(c.parameter_count(), int64_t(1100048384));
    const ModelConfig back = ModelConfig::from_json(c.to_json());
    QCOMPARE(back.to_json(), c.to_json());
  }

  void rejectsInconsistentShapesNamingTheField() {
    auto json = nlohmann::json::parse(R"({"vocab_size": 10, "hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 8,
      "num_key_value_heads": 3})");
    try {
      ModelConfig::from_json(json, "x/config.json");
      QFAIL("accepted 8 heads over 3 KV heads");
    } catch (const glossa::Error& e) {
      QVERIFY2(QString(e.what()).contains("x/config.json") &&
                   QString(e.what()).contains("num_key_value_heads"),
               e.what());
    }
    json.erase("vocab_size");
    json["num_key_value_heads"] = 4;
    QVERIFY_THROWS_EXCEPTION(glossa::Error, ModelConfig::from_json(json));
  }
};

QTEST_GUILESS_MAIN(TestModelConfig)
#include "test_model_config.moc"
