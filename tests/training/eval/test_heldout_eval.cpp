// ctest-labels: unit data
// Held-out evaluation (training/eval/heldout_eval.h) of a shard packed by the real `glossa-cli pack`
// (NSMC reviews, Llama 2 tokenizer): mean loss and bits per byte equal transformers run on the
// same windows (shards read by tests/python/read_indexed_dataset.py, bytes from the manifest),
// a max_tokens subset scales the bytes and says so, and unusable shards are refused.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <nlohmann/json.hpp>

#include "support/test_support.h"
#include "base/error.h"
#include "training/eval/heldout_eval.h"
#include "training/io/hf_checkpoint.h"

using namespace glossa;
using nlohmann::json;

namespace {
constexpr int64_t kSeqLen = 32;  // window length T, tokens
const char* kConfig =
    R"({"vocab_size": 32000, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,)"
    R"( "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64,)"
    R"( "rms_norm_eps": 1e-5, "tie_word_embeddings": true})";

bool near_rel(double got, double want, double rel) {
  return std::abs(got - want) <= rel * std::abs(want);
}
}  // namespace

class TestHeldoutEval : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString py_;
  std::string prefix_;  // the packed held-out shard
  LlamaForCausalLM model_{nullptr};

  std::string modelDir() const { return dir_.filePath("model").toStdString(); }

  json all_, first4_;  // eval_reference.py heldout: every window, the first 4

 private Q_SLOTS:
  void initTestCase() {
    py_ = glossa::test::python();
    const QString tokenizer = glossa::test::sharedFile("tokenizers/llama2/tokenizer.model");
    const QString nsmc = glossa::test::sharedFile("korean/nsmc_reviews.tsv");
    if (py_.isEmpty() || tokenizer.isEmpty() || nsmc.isEmpty()) return;
    // 150 reviews, one per line (the text format), about half held out.
    QFile in(nsmc), out(dir_.filePath("reviews.txt"));
    QVERIFY(in.open(QIODevice::ReadOnly) && out.open(QIODevice::WriteOnly));
    in.readLine();  // header
    for (int i = 0; i < 150 && !in.atEnd(); ++i) out.write(in.readLine().split('\t').last());
    out.close();
    const auto r = glossa::test::run(
        glossa::test::program("glossa-cli"),
        {"pack", "--tokenizer", tokenizer, "--input", dir_.filePath("reviews.txt"), "--out",
         dir_.filePath("shards/ko"), "--heldout", "0.5", "--threads", "1", "--quiet"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    prefix_ = dir_.filePath("shards/ko_heldout").toStdString();
    // One Python start: make the model, then transformers on all windows and on the first 4.
    const QString model = QString::fromStdString(modelDir());
    const QString prefix = QString::fromStdString(prefix_), T = QString::number(kSeqLen);
    const auto m = glossa::test::run(
        py_, {glossa::test::pythonScript("eval_reference.py"), "make-model", model, kConfig, "11",
              "--", "heldout", model, prefix, T, "0", "--", "heldout", model, prefix, T, "4"});
    QVERIFY2(m.exit_code == 0, m.err.constData());
    const json ref = json::parse(m.out.toStdString());
    all_ = ref[1];
    first4_ = ref[2];
    model_ = load_hf_model(modelDir());
  }

  void lossAndBitsPerByteEqualTransformers() {
    if (!model_) GLOSSA_MISSING("needs the reference Python environment and shared NSMC data");
    const HeldoutSet set = load_heldout_set("ko", prefix_, kSeqLen, 32000);
    QVERIFY(set.windows > 8);
    const HeldoutResult got = evaluate_heldout(*model_, set, 3, 0, JobControl());
    const json& want = all_;
    QCOMPARE(got.tokens, want["tokens"].get<int64_t>());
    QCOMPARE(got.windows, want["windows"].get<int64_t>());
    QCOMPARE(got.bytes, want["bytes"].get<double>());
    QVERIFY(!got.bytes_estimated);
    qInfo("loss %.8f vs %.8f, bpb %.8f vs %.8f", got.loss, want["loss"].get<double>(), got.bpb,
          want["bpb"].get<double>());
    QVERIFY(near_rel(got.loss, want["loss"].get<double>(), 1e-5));
    QVERIFY(near_rel(got.bpb, want["bpb"].get<double>(), 1e-5));
    QVERIFY(got.loss > 5 && got.loss < 20);  // a random model: near ln(32000) = 10.4 nats
  }

  void maxTokensScoresTheFirstWindowsAndEstimatesBytes() {
    if (!model_) GLOSSA_MISSING("needs the reference Python environment and shared NSMC data");
    const HeldoutSet set = load_heldout_set("ko", prefix_, kSeqLen, 32000);
    const HeldoutResult got = evaluate_heldout(*model_, set, 2, 100, JobControl());
    QCOMPARE(got.windows, int64_t(4));  // ceil(100 / 32)
    QCOMPARE(got.tokens, int64_t(4 * kSeqLen));
    QVERIFY(got.bytes_estimated);
    const json& want = first4_;
    QVERIFY(want["bytes_estimated"].get<bool>());
    QVERIFY(near_rel(got.bytes, want["bytes"].get<double>(), 1e-12));
    QVERIFY(near_rel(got.loss, want["loss"].get<double>(), 1e-5));
    QVERIFY(near_rel(got.bpb, want["bpb"].get<double>(), 1e-5));
  }

  void idsBeyondTheModelVocabularyAreRefused() {
    if (!model_) GLOSSA_MISSING("needs the reference Python environment and shared NSMC data");
    QString e;
    try {
      load_heldout_set("ko", prefix_, kSeqLen, 1000);
    } catch (const Error& err) {
      e = QString::fromUtf8(err.what());
    }
    QVERIFY2(e.contains("ko") && e.contains("1000"), qPrintable(e));
  }

  void shardWithoutManifestBytesIsRefused() {
    if (!model_) GLOSSA_MISSING("needs the reference Python environment and shared NSMC data");
    // The same shard under another name has no manifest: no byte count.
    for (const char* ext : {".bin", ".idx"})
      QVERIFY(QFile::copy(QString::fromStdString(prefix_) + ext, dir_.filePath("bare") + ext));
    const HeldoutSet set =
        load_heldout_set("bare", dir_.filePath("bare").toStdString(), kSeqLen, 32000);
    QString e;
    try {
      evaluate_heldout(*model_, set, 2, 0, JobControl());
    } catch (const Error& err) {
      e = QString::fromUtf8(err.what());
    }
    QVERIFY2(e.contains("bare") && e.contains("byte"), qPrintable(e));
  }

  void paddingIsNotScored() {
    if (!model_) GLOSSA_MISSING("needs the reference Python environment and shared NSMC data");
    const HeldoutSet set = load_heldout_set("ko", prefix_, kSeqLen, 32000);
    // The last window is partial: scoring it alone and inside a batch gives the same sum.
    const Batch last = set.batch(set.windows - 1, 1);
    const Batch two = set.batch(set.windows - 2, 2);
    const NllSum a = batch_nll(*model_, last), b = batch_nll(*model_, two);
    const NllSum c = batch_nll(*model_, set.batch(set.windows - 2, 1));
    QVERIFY(a.tokens < kSeqLen);
    QCOMPARE(b.tokens, a.tokens + c.tokens);
    QVERIFY(near_rel(b.nll, a.nll + c.nll, 1e-6));
  }
};

QTEST_GUILESS_MAIN(TestHeldoutEval)
#include "test_heldout_eval.moc"
