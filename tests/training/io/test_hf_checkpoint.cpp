// ctest-labels: unit
// Hugging Face model folders: what Glossa saves (single file and sharded, tied and untied, after
// training steps, with every config field it writes) loads in transformers with Glossa's logits; load -> save -> load is bit-identical; missing, misshapen
// and unexpected tensors are errors naming tensor and file; tokenizer files are copied.
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_support.h"
#include "base/error.h"
#include "base/file_util.h"
#include "training/io/hf_checkpoint.h"
#include "training/io/safetensors_checkpoint.h"

using namespace glossa;

namespace {

ModelConfig tiny(bool tied) {
  ModelConfig c;
  c.vocab_size = 53;
  c.hidden_size = 32;
  c.intermediate_size = 40;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.max_position_embeddings = 64;
  c.rope_theta = 500000.0;
  c.tie_word_embeddings = tied;
  c.attention_bias = !tied;
  return c;
}

// A random model whose norms and biases are not 1 and 0 (so their loading is tested too), its
// matrices drawn with std 0.2 (not 0.02): attention is far from uniform, so a wrong mask, scale,
// window or rotary angle shows in the logits.
LlamaForCausalLM random_model(const ModelConfig& config, uint64_t seed) {
  torch::manual_seed(seed);
  LlamaForCausalLM model(config);
  torch::NoGradGuard no_grad;
  for (auto& p : model->named_parameters()) {
    if (p.key().find("norm") != std::string::npos || p.key().find("bias") != std::string::npos)
      p.value().add_(0.1 * torch::randn_like(p.value()));
    else
      p.value().normal_(0.0, 0.2);
  }
  model->eval();
  return model;
}
LlamaForCausalLM random_model(bool tied, uint64_t seed) { return random_model(tiny(tied), seed); }

// Every config field Glossa writes, one model each (issue 18): Mistral with a sliding window,
// linear rope scaling, MLP bias, an explicit head_dim.
std::vector<std::pair<std::string, ModelConfig>> config_variants() {
  ModelConfig mistral = tiny(false);
  mistral.architecture = "MistralForCausalLM";
  mistral.sliding_window = 5;
  mistral.attention_bias = false;
  ModelConfig scaled = tiny(true);
  scaled.rope_scaling.type = "linear";
  scaled.rope_scaling.factor = 2.0;
  scaled.mlp_bias = true;
  scaled.attention_bias = true;
  ModelConfig head = tiny(false);
  head.head_dim = 16;  // 4 heads of 16 on a hidden size of 32
  return {{"mistral_window_5", mistral}, {"rope_linear_2_mlp_bias", scaled}, {"head_dim_16", head}};
}

// The model after `steps` AdamW steps on next-token loss (weights no longer fresh from init).
LlamaForCausalLM trained_model(const torch::Tensor& ids, int steps) {
  LlamaForCausalLM model = random_model(false, 21);
  model->train();
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(1e-2));
  for (int i = 0; i < steps; ++i) {
    const torch::Tensor logits = model->forward(ids.slice(1, 0, -1));  // (B, T-1, V)
    const torch::Tensor loss = torch::nn::functional::cross_entropy(
        logits.reshape({-1, logits.size(-1)}), ids.slice(1, 1).reshape(-1));
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
  model->eval();
  return model;
}

using glossa::test::error_of;

bool same_parameters(const LlamaForCausalLM& a, const LlamaForCausalLM& b) {
  const auto pa = a->named_parameters(), pb = b->named_parameters();
  if (pa.size() != pb.size()) return false;
  for (const auto& p : pa)
    if (!pb.contains(p.key()) || !torch::equal(p.value(), pb[p.key()])) return false;
  return true;
}

}  // namespace

class TestHfCheckpoint : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void transformersLoadsGlossaSavesWithTheSameLogits() {
    GLOSSA_REQUIRE_PYTHON(py);
    QTemporaryDir dir;
    const std::string root = dir.path().toStdString();
    torch::manual_seed(7);
    const auto ids = torch::randint(53, {2, 17}, torch::kInt64);
    save_safetensors(root + "/ids.safetensors", {{"ids", ids}});
    struct Case {
      std::string name;
      bool tied;
      uint64_t shard_bytes;
    };
    std::vector<Case> cases = {
        {"untied", false, 0}, {"tied", true, 0}, {"sharded", false, 8000}, {"trained", false, 0}};
    const auto variants = config_variants();
    for (const auto& [name, config] : variants) cases.push_back({name, config.tie_word_embeddings, 0});
    nlohmann::json jobs = nlohmann::json::array();
    std::vector<torch::Tensor> logits;
    for (size_t i = 0; i < cases.size(); ++i) {
      const Case& c = cases[i];
      auto model = c.name == "trained" ? trained_model(ids, 3)
                   : i >= 4            ? random_model(variants[i - 4].second, 30 + i)
                                       : random_model(c.tied, 11);
      const auto files =
          save_hf_model(model, root + "/" + c.name, HfSaveOptions{"", c.shard_bytes});
      if (c.shard_bytes > 0) QVERIFY2(files.size() > 3, std::to_string(files.size()).c_str());
      torch::NoGradGuard no_grad;
      logits.push_back(model->forward(ids));
      jobs.push_back({{"model_dir", root + "/" + c.name},
                      {"ids", root + "/ids.safetensors"},
                      {"out", root + "/" + c.name + ".logits.safetensors"}});
    }
    std::ofstream(root + "/jobs.json") << jobs.dump();
    const auto r = glossa::test::run(py, {glossa::test::pythonScript("hf_llama_reference.py"),
                                          "logits", dir.filePath("jobs.json")});
    QVERIFY2(r.finished && r.exit_code == 0, r.err.constData());
    const auto lines = r.out.trimmed().split('\n');
    QCOMPARE(lines.size(), qsizetype(cases.size()));
    for (size_t i = 0; i < cases.size(); ++i) {
      const auto info = nlohmann::json::parse(lines[i].toStdString());
      for (const char* key : {"missing_keys", "unexpected_keys", "mismatched_keys"})
        QVERIFY2(info[key].empty(), lines[i].constData());
      const auto want =
          load_safetensors(root + "/" + cases[i].name + ".logits.safetensors")[0].second;
      const double diff = (logits[i] - want).abs().max().item<double>();
      const double scale = want.abs().max().item<double>();
      qInfo("%-24s max |glossa - transformers| = %.3g (logits up to %.3g)",
            cases[i].name.c_str(), diff, scale);
      // float32 rounding: measured 0.4e-6 to 1.8e-6 of the largest logit; 3e-6 leaves room for other
      // CPUs' vector units. A wrong mask, window, scale or angle is off by 1e-2 and more.
      QVERIFY2(diff <= 3e-6 * std::max(1.0, scale), cases[i].name.c_str());
    }
  }

  void loadSaveLoadIsBitIdentical() {
    QTemporaryDir dir;
    const std::string a = dir.filePath("a").toStdString(), b = dir.filePath("b").toStdString();
    const auto original = random_model(false, 12);
    save_hf_model(original, a);
    const auto loaded = load_hf_model(a);
    QVERIFY(same_parameters(original, loaded));
    QCOMPARE(loaded->config().to_json(), original->config().to_json());
    save_hf_model(loaded, b);
    QCOMPARE(read_file(b + "/model.safetensors"), read_file(a + "/model.safetensors"));
    QVERIFY(same_parameters(load_hf_model(b), original));
    // Sharded folders load to the same tensors.
    save_hf_model(loaded, b, HfSaveOptions{"", 5000});
    QVERIFY(SafetensorsCheckpoint(b).sharded());
    QVERIFY(same_parameters(load_hf_model(b), original));
  }

  void savesInTheRequestedDtype() {
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    auto model = random_model(true, 13);
    save_hf_model(model, d, HfSaveOptions{"bfloat16", 0});
    const auto config = nlohmann::json::parse(read_file(d + "/config.json"));
    QCOMPARE(config["torch_dtype"].get<std::string>(), std::string("bfloat16"));
    SafetensorsReader reader(d + "/model.safetensors");
    QCOMPARE(reader.entry("model.norm.weight").dtype, std::string("BF16"));
    QVERIFY(!reader.contains("lm_head.weight"));
    const auto loaded = load_hf_model(d, torch::kBFloat16);
    QCOMPARE(loaded->input_embedding().scalar_type(), torch::kBFloat16);
    QVERIFY(torch::equal(loaded->input_embedding(), model->input_embedding().to(torch::kBFloat16)));
    QVERIFY_THROWS_EXCEPTION(Error, save_hf_model(model, d, HfSaveOptions{"float8", 0}));
  }

  // A diverged model (a huge learning rate) is never exported: the error names the tensor.
  void nonFiniteWeightsAreNotSaved() {
    QTemporaryDir dir;
    auto model = random_model(false, 15);
    {
      torch::NoGradGuard no_grad;
      model->named_parameters()["model.norm.weight"].index_put_({3}, INFINITY);
    }
    const std::string d = dir.filePath("out").toStdString();
    try {
      save_hf_model(model, d);
      QFAIL("a model with an infinite weight was saved");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("model.norm.weight"), e.what());
    }
    QVERIFY(!QFile::exists(QString::fromStdString(d + "/model.safetensors")));
  }

  void missingMisshapenAndUnexpectedTensorsAreErrors() {
    QTemporaryDir dir;
    const std::string d = dir.path().toStdString();
    const std::string file = d + "/model.safetensors";
    auto model = random_model(false, 14);
    save_hf_model(model, d);
    const NamedTensors all = load_safetensors(file);

    NamedTensors t = all;  // drop one layer weight
    t.erase(std::find_if(t.begin(), t.end(), [](const auto& n) {
      return n.first == "model.layers.1.mlp.up_proj.weight";
    }));
    save_safetensors(file, t);
    QString e = error_of([&] { load_hf_model(d); });
    QVERIFY2(e.contains("model.layers.1.mlp.up_proj.weight") && e.contains("missing"),
             qPrintable(e));

    t = all;  // wrong shape
    for (auto& n : t)
      if (n.first == "model.norm.weight") n.second = torch::ones({31});
    save_safetensors(file, t);
    e = error_of([&] { load_hf_model(d); });
    QVERIFY2(e.contains("model.norm.weight") && e.contains("model.safetensors") &&
                 e.contains("[31]") && e.contains("[32]"),
             qPrintable(e));

    t = all;  // an unknown tensor is an error; rotary inv_freq buffers are harmless
    t.emplace_back("model.layers.0.self_attn.rotary_emb.inv_freq", torch::ones({4}));
    save_safetensors(file, t);
    QVERIFY(same_parameters(load_hf_model(d), model));
    t.emplace_back("model.layers.0.self_attn.q_norm.weight", torch::ones({8}));
    save_safetensors(file, t);
    e = error_of([&] { load_hf_model(d); });
    QVERIFY2(e.contains("q_norm.weight") && e.contains("unexpected"), qPrintable(e));
  }

  void copiesTokenizerFiles() {
    QTemporaryDir from, to;
    write_file_atomically(from.filePath("tokenizer.model").toStdString(), "sp-bytes");
    write_file_atomically(from.filePath("special_tokens_map.json").toStdString(), "{}");
    const auto copied = copy_tokenizer_files(from.path().toStdString(), to.path().toStdString());
    QCOMPARE(copied, (std::vector<std::string>{"tokenizer.model", "special_tokens_map.json"}));
    QCOMPARE(read_file(to.filePath("tokenizer.model").toStdString()), std::string("sp-bytes"));
    QVERIFY(!QFile::exists(to.filePath("tokenizer_config.json")));
    std::filesystem::remove(from.filePath("tokenizer.model").toStdString());
    QVERIFY_THROWS_EXCEPTION(
        Error, copy_tokenizer_files(from.path().toStdString(), to.path().toStdString()));
  }
};

QTEST_GUILESS_MAIN(TestHfCheckpoint)
#include "test_hf_checkpoint.moc"
