// ctest-labels: unit data
// Greedy decoding of stories260K from BOS reproduces llama2.c's `run -t 0` story (ids from the
// numpy run.c reference); sampling is seeded and follows softmax(logits / T) within the top-p
// nucleus; generation stops at stop ids and max_new_tokens and feeds at most
// max_position_embeddings tokens.
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <nlohmann/json.hpp>

#include "support/test_support.h"
#include "base/error.h"
#include "training/api/generate_api.h"
#include "training/eval/generation.h"
#include "training/io/hf_checkpoint.h"
#include "training/io/llama2c_checkpoint.h"

using glossa::GenerateOptions;
using nlohmann::json;

namespace {

const char* kStories = "models/stories260K/stories260K.bin";
// "Once upon a time, there was a little girl named Lily." (tok512 ids, without BOS)
const std::vector<int> kLily = {403, 407, 261, 378, 432, 383, 286, 261,
                                376, 298, 315, 421, 395, 317, 426};

glossa::ModelConfig tinyConfig() {
  glossa::ModelConfig c;
  c.vocab_size = 37;
  c.hidden_size = 16;
  c.intermediate_size = 24;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.max_position_embeddings = 8;
  return c;
}

std::vector<double> frequencies(const torch::Tensor& logits, const GenerateOptions& o, int draws) {
  glossa::SeededRng rng(o.seed);
  std::vector<double> f(logits.size(0), 0.0);
  for (int i = 0; i < draws; ++i) f[glossa::pick_next_token(logits, o, rng)] += 1.0 / draws;
  return f;
}

}  // namespace

class TestGeneration : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void greedyStories260KFromBosTellsTheLilyStory() {
    GLOSSA_REQUIRE_SHARED(bin, kStories);
    GLOSSA_REQUIRE_PYTHON(py);
    GenerateOptions o;
    o.max_new_tokens = 40;
    const auto result = glossa::generate_ids(bin.toStdString(), {1}, o);
    QCOMPARE(result.model_format, std::string("llama2c"));
    QCOMPARE(result.ids.size(), size_t(40));
    QCOMPARE(result.stop_reason, std::string("max_new_tokens"));
    QVERIFY(std::equal(kLily.begin(), kLily.end(), result.ids.begin()));
    const auto r = glossa::test::run(
        py, {glossa::test::pythonScript("llama2c_reference.py"), "generate", bin, "41"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    std::vector<int> expected = json::parse(r.out.toStdString()).get<std::vector<int>>();
    expected.erase(expected.begin());  // BOS
    QVERIFY(result.ids == expected);
    // The same model saved as a Hugging Face folder generates the same ids.
    QTemporaryDir dir;
    glossa::save_hf_model(glossa::load_llama2c_model(bin.toStdString()), dir.path().toStdString());
    const auto hf = glossa::generate_ids(dir.path().toStdString(), {1}, o);
    QCOMPARE(hf.model_format, std::string("hf"));
    QVERIFY(hf.ids == result.ids);
  }

  void stopsAtStopIdsAndMaxNewTokens() {
    torch::manual_seed(3);
    glossa::LlamaForCausalLM model(tinyConfig());
    GenerateOptions o;
    o.max_new_tokens = 5;
    o.stop_ids = {-1};  // no stop
    const auto free_run = glossa::generate(*model, {1, 4, 9}, o);
    QCOMPARE(free_run.ids.size(), size_t(5));
    QCOMPARE(free_run.prompt_tokens, int64_t(3));
    o.stop_ids = {free_run.ids[2]};
    const auto stopped = glossa::generate(*model, {1, 4, 9}, o);
    const auto first = std::find(free_run.ids.begin(), free_run.ids.end(), free_run.ids[2]);
    QCOMPARE(stopped.ids, std::vector<int>(free_run.ids.begin(), first + 1));  // stop id kept
    QCOMPARE(stopped.stop_reason, std::string("stop_id"));
    o.max_new_tokens = 0;
    QVERIFY(glossa::generate(*model, {1}, o).ids.empty());
  }

  void feedsAtMostMaxPositionEmbeddingsTokens() {
    torch::manual_seed(4);
    glossa::LlamaForCausalLM model(tinyConfig());  // max_position_embeddings 8
    GenerateOptions o;
    o.max_new_tokens = 12;
    o.stop_ids = {-1};
    const std::vector<int64_t> prompt = {1, 5, 7};
    const auto result = glossa::generate(*model, prompt, o);
    QCOMPARE(result.ids.size(), size_t(12));
    QCOMPARE(result.context_limit, int64_t(8));
    std::vector<int64_t> context = prompt;
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < result.ids.size(); ++i) {
      const int64_t begin = std::max<int64_t>(0, int64_t(context.size()) - 8);
      const auto window =
          torch::tensor(std::vector<int64_t>(context.begin() + begin, context.end()));
      const int64_t expected = model->forward(window.view({1, -1}))[0][-1].argmax().item<int64_t>();
      QCOMPARE(int64_t(result.ids[i]), expected);
      context.push_back(expected);
    }
  }

  void samplingFollowsTemperatureSoftmaxAndTopP() {
    const torch::Tensor logits = torch::tensor(
        {std::log(0.1), std::log(0.5), std::log(0.15), std::log(0.25)}, torch::kFloat32);
    GenerateOptions o;
    o.greedy = false;
    o.seed = 11;
    const int draws = 40000;
    auto f = frequencies(logits, o, draws);
    const std::vector<double> p = {0.1, 0.5, 0.15, 0.25};
    for (int i = 0; i < 4; ++i)
      QVERIFY2(std::abs(f[i] - p[i]) < 0.01, qPrintable(QString::number(f[i])));
    o.temperature = 0.5;  // p^2 renormalised: 0.01, 0.25, 0.0225, 0.0625 over 0.345
    f = frequencies(logits, o, draws);
    for (int i = 0; i < 4; ++i) QVERIFY(std::abs(f[i] - p[i] * p[i] / 0.345) < 0.01);
    o.temperature = 1.0;
    o.top_p = 0.7;  // nucleus {1, 3} (0.5 + 0.25 >= 0.7): 2/3, 1/3
    f = frequencies(logits, o, draws);
    QCOMPARE(f[0] + f[2], 0.0);
    QVERIFY(std::abs(f[1] - 2.0 / 3.0) < 0.01);
    o.top_p = 0.4;  // the most probable token alone
    QCOMPARE(frequencies(logits, o, 100)[1], 1.0);
    o.top_p = 1.0;
    o.temperature = 0.0;  // temperature 0 is greedy
    QCOMPARE(frequencies(logits, o, 100)[1], 1.0);
  }

  void samplingIsReproducibleBySeed() {
    GLOSSA_REQUIRE_SHARED(bin, kStories);
    GenerateOptions o;
    o.greedy = false;
    o.temperature = 1.0;
    o.top_p = 0.9;
    o.max_new_tokens = 30;
    o.seed = 42;
    const auto a = glossa::generate_ids(bin.toStdString(), {1}, o);
    const auto b = glossa::generate_ids(bin.toStdString(), {1}, o);
    o.seed = 43;
    const auto c = glossa::generate_ids(bin.toStdString(), {1}, o);
    QCOMPARE(a.ids, b.ids);
    QVERIFY(a.ids != c.ids);
  }

  void badPromptsAndOptionsAreErrors() {
    glossa::LlamaForCausalLM model(tinyConfig());
    GenerateOptions o;
    QVERIFY_THROWS_EXCEPTION(glossa::Error, glossa::generate(*model, {}, o));
    try {
      glossa::generate(*model, {1, 37}, o);
      QFAIL("accepted id 37 of a 37-token vocabulary");
    } catch (const glossa::Error& e) {
      QVERIFY2(QString(e.what()).contains("prompt token 1 is id 37"), e.what());
    }
    o.top_p = 0.0;
    QVERIFY_THROWS_EXCEPTION(glossa::Error, o.validate());
    QVERIFY_THROWS_EXCEPTION(glossa::Error, glossa::generate_ids("/nonexistent/model", {1}, {}));
  }

  void optionsJsonRoundTripsAndNamesBadKeys() {
    GenerateOptions o;
    o.greedy = false;
    o.temperature = 0.8;
    o.top_p = 0.95;
    o.seed = 123456789012345ULL;
    o.stop_ids = {2, 1};
    o.max_new_tokens = 77;
    const GenerateOptions back = GenerateOptions::from_json(o.to_json());
    QCOMPARE(back.to_json(), o.to_json());
    try {
      GenerateOptions::from_json(json{{"top_k", 5}}, "gen.json");
      QFAIL("accepted an unknown key");
    } catch (const glossa::Error& e) {
      QVERIFY2(QString(e.what()).contains("gen.json") && QString(e.what()).contains("top_k"),
               e.what());
    }
    try {
      GenerateOptions::from_json(json{{"greedy", 1}});
      QFAIL("accepted a number for a boolean");
    } catch (const glossa::Error& e) {
      QVERIFY2(QString(e.what()).contains("'greedy'"), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(glossa::Error, GenerateOptions::from_json(json{{"top_p", 1.5}}));
  }
};

QTEST_GUILESS_MAIN(TestGeneration)
#include "test_generation.moc"
