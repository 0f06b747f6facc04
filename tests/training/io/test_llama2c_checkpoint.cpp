// ctest-labels: unit data
// stories260K.bin (llama2.c, interleaved RoPE) imported into LlamaForCausalLM (rotate-half RoPE)
// gives the logits of llama2.c's run.c forward (re-written in numpy in
// tests/python/llama2c_reference.py, reading the .bin directly), and its Hugging Face save loads
// in transformers with the same logits.
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_support.h"
#include "base/error.h"
#include "base/file_util.h"
#include "training/io/hf_checkpoint.h"
#include "training/io/llama2c_checkpoint.h"

using nlohmann::json;

namespace {

const char* kStories = "models/stories260K/stories260K.bin";
// BOS + "Once upon a time, there was a little girl named Lily." + " She loved to play"
const std::vector<int64_t> kIds = {1,   403, 407, 261, 378, 432, 383, 286, 261, 376,
                                   298, 315, 421, 395, 317, 426, 338, 401, 396, 267};

json reference(const QString& py, const QStringList& args) {
  const auto r =
      glossa::test::run(py, QStringList{glossa::test::pythonScript("llama2c_reference.py")} + args);
  if (!r.finished || r.exit_code != 0) qWarning("%s", r.err.constData());
  return r.exit_code == 0 ? json::parse(r.out.toStdString().empty() ? "null" : r.out.toStdString())
                          : json();
}

// {"logits": [[V] x T]} of a JSON file -> (T, V) float32.
torch::Tensor readLogits(const QString& path) {
  const json j = json::parse(glossa::read_file(path.toStdString()));
  std::vector<torch::Tensor> rows;
  for (const auto& row : j.at("logits"))
    rows.push_back(torch::tensor(row.get<std::vector<float>>()));
  return torch::stack(rows);
}

torch::Tensor glossaLogits(glossa::LlamaForCausalLMImpl& model) {
  torch::NoGradGuard no_grad;
  return model.forward(torch::tensor(kIds).view({1, -1}))[0];  // (T, V)
}

QString writeIds(const QTemporaryDir& dir) {
  const QString path = dir.filePath("ids.json");
  std::ofstream(path.toStdString()) << json(kIds).dump();
  return path;
}

// The first `bytes` of stories260K with the header's int32 fields replaced.
QString writeVariant(const QTemporaryDir& dir, const QString& source, const char* name,
                     std::map<int, int32_t> fields, int64_t keep_bytes = -1, int extra = 0) {
  std::string bytes = glossa::read_file(source.toStdString());
  for (const auto& [index, value] : fields) std::memcpy(bytes.data() + 4 * index, &value, 4);
  if (keep_bytes >= 0) bytes.resize(keep_bytes);
  bytes.append(extra, '\0');
  const QString path = dir.filePath(name);
  std::ofstream(path.toStdString(), std::ios::binary) << bytes;
  return path;
}

void expectError(const QString& path, const QStringList& parts) {
  try {
    glossa::load_llama2c_model(path.toStdString());
    QFAIL(qPrintable("loaded " + path));
  } catch (const glossa::Error& e) {
    QVERIFY2(QString(e.what()).contains(path), e.what());
    for (const QString& part : parts) QVERIFY2(QString(e.what()).contains(part), e.what());
  }
}

}  // namespace

class TestLlama2cCheckpoint : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void headerBecomesTransformersConfig() {
    GLOSSA_REQUIRE_SHARED(bin, kStories);
    const auto h = glossa::read_llama2c_header(bin.toStdString());
    QCOMPARE(h.dim, int64_t(64));
    QCOMPARE(h.hidden_dim, int64_t(172));
    QCOMPARE(h.n_layers, int64_t(5));
    QCOMPARE(h.n_heads, int64_t(8));
    QCOMPARE(h.n_kv_heads, int64_t(4));
    QCOMPARE(h.vocab_size, int64_t(512));
    QCOMPARE(h.seq_len, int64_t(512));
    QVERIFY(h.shared_classifier);
    QCOMPARE(h.expected_bytes(), glossa::file_size(bin.toStdString()));
    const glossa::ModelConfig c = h.model_config();
    QVERIFY(c.tie_word_embeddings);
    QCOMPARE(c.num_key_value_heads, int64_t(4));
    QCOMPARE(c.max_position_embeddings, int64_t(512));
    QCOMPARE(c.intermediate_size, int64_t(172));
    QVERIFY(glossa::is_llama2c_checkpoint(bin.toStdString()));
    QVERIFY(!glossa::is_llama2c_checkpoint(QFileInfo(bin).absolutePath().toStdString()));
  }

  void permutationMatchesTransformersConvertScript() {
    // convert_llama_weights_to_hf.py: w.view(n_heads, dim1 // n_heads // 2, 2, dim2)
    //   .transpose(1, 2).reshape(dim1, dim2); 2 heads of size 4, 3 columns.
    const torch::Tensor w = torch::arange(8 * 3, torch::kFloat32).view({8, 3});
    const torch::Tensor p = glossa::interleaved_to_rotate_half(w, 2);
    const std::vector<int64_t> rows = {0, 2, 1, 3, 4, 6, 5, 7};
    QVERIFY(torch::equal(p, w.index_select(0, torch::tensor(rows))));
  }

  void logitsMatchRunCForward() {
    GLOSSA_REQUIRE_SHARED(bin, kStories);
    GLOSSA_REQUIRE_PYTHON(py);
    QTemporaryDir dir;
    const QString out = dir.filePath("logits.json");
    reference(py, {"logits", bin, writeIds(dir), out});
    const torch::Tensor expected = readLogits(out);  // (T, V) from run.c's math
    QCOMPARE(expected.size(0), int64_t(kIds.size()));
    auto model = glossa::load_llama2c_model(bin.toStdString());
    for (auto impl : {glossa::AttentionImpl::kSdpa, glossa::AttentionImpl::kReference}) {
      model->set_attention(impl);
      const double diff = (glossaLogits(*model) - expected).abs().max().item<double>();
      qInfo("max |Glossa - run.c| = %.3g (%s)", diff,
            impl == glossa::AttentionImpl::kSdpa ? "sdpa" : "reference");
      QVERIFY2(diff <= 1e-4, qPrintable(QString::number(diff)));
    }
    // The greedy continuation of the prompt is the story's next token (" She" after "Lily.").
    QCOMPARE(glossaLogits(*model)[15].argmax().item<int64_t>(), kIds[16]);
  }

  void hfSaveLoadsInTransformersWithSameLogits() {
    GLOSSA_REQUIRE_SHARED(bin, kStories);
    GLOSSA_REQUIRE_PYTHON(py);
    QTemporaryDir dir;
    auto model = glossa::load_llama2c_model(bin.toStdString());
    const QString folder = dir.filePath("hf");
    glossa::save_hf_model(model, folder.toStdString());
    const QString out = dir.filePath("hf_logits.json");
    reference(py, {"hf", folder, writeIds(dir), out});
    const json info = json::parse(glossa::read_file(out.toStdString()));
    QVERIFY2(info["missing"].empty() && info["unexpected"].empty(), info.dump().c_str());
    const torch::Tensor glossa = glossaLogits(*model);
    const double diff = (glossa - readLogits(out)).abs().max().item<double>();
    qInfo("max |Glossa - transformers| = %.3g", diff);
    QVERIFY2(diff <= 1e-4, qPrintable(QString::number(diff)));
    auto reloaded = glossa::load_hf_model(folder.toStdString());
    QVERIFY(torch::equal(glossaLogits(*reloaded), glossa));
  }

  void brokenFilesNameTheFileAndTheProblem() {
    GLOSSA_REQUIRE_SHARED(bin, kStories);
    QTemporaryDir dir;
    const int64_t size = int64_t(glossa::file_size(bin.toStdString()));
    expectError(writeVariant(dir, bin, "cut.bin", {}, size - 10),
                {"truncated", QString::number(size), QString::number(size - 10)});
    expectError(writeVariant(dir, bin, "extra.bin", {}, -1, 4), {"extra bytes"});
    expectError(writeVariant(dir, bin, "short.bin", {}, 20), {"too short", "20 bytes"});
    expectError(writeVariant(dir, bin, "zero.bin", {{0, 0}}), {"dim = 0"});
    expectError(writeVariant(dir, bin, "neg.bin", {{2, -3}}), {"n_layers = -3"});
    expectError(writeVariant(dir, bin, "kv.bin", {{4, 3}}), {"inconsistent kv heads", "3"});
    expectError(writeVariant(dir, bin, "kv2.bin", {{4, 16}}), {"inconsistent kv heads", "16"});
    expectError(writeVariant(dir, bin, "v1.bin", {{0, 0x616b3432}, {1, 1}}),
                {"version 1", "--version 0"});
    // An unshared classifier (negative vocab) needs V x C more floats than this file has.
    expectError(writeVariant(dir, bin, "unshared.bin", {{5, -512}}),
                {"truncated", "own classifier"});
  }

  void unsharedClassifierLoadsIntoLmHead() {
    GLOSSA_REQUIRE_SHARED(bin, kStories);
    QTemporaryDir dir;
    // stories260K with vocab -512 and its embedding appended as the classifier, scaled by 2.
    std::string bytes = glossa::read_file(bin.toStdString());
    const int32_t unshared = -512;
    std::memcpy(bytes.data() + 20, &unshared, 4);
    std::vector<float> cls(512 * 64);
    std::memcpy(cls.data(), bytes.data() + 28, cls.size() * 4);
    for (float& x : cls) x *= 2.0f;
    bytes.append(reinterpret_cast<const char*>(cls.data()), cls.size() * 4);
    const QString path = dir.filePath("untied.bin");
    std::ofstream(path.toStdString(), std::ios::binary) << bytes;
    auto tied = glossa::load_llama2c_model(bin.toStdString());
    auto untied = glossa::load_llama2c_model(path.toStdString());
    QVERIFY(!untied->config().tie_word_embeddings);
    QVERIFY(untied->lm_head);
    QVERIFY(torch::equal(untied->lm_head->weight, 2 * tied->input_embedding()));
    QVERIFY(torch::allclose(glossaLogits(*untied), 2 * glossaLogits(*tied), 1e-5, 1e-5));
  }
};

QTEST_GUILESS_MAIN(TestLlama2cCheckpoint)
#include "test_llama2c_checkpoint.moc"
