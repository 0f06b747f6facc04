// ctest-labels: unit data
// Multiple-choice evaluation (training/eval/mc_eval.h) scores KoBEST requests prepared by the real
// `glossa-cli bench prepare` exactly as lm-evaluation-harness does: a tiny random Llama saved by
// transformers gives the same per-request log-likelihoods and is_greedy as transformers run on
// the same ids one request at a time (tests/python/eval_reference.py), left truncation to the
// model's context included, and the same acc / acc_norm / f1; files the model cannot score are
// refused before any compute.
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <nlohmann/json.hpp>

#include "support/test_support.h"
#include "base/error.h"
#include "training/io/hf_checkpoint.h"
#include "training/eval/mc_eval.h"

using namespace glossa;
using nlohmann::json;

namespace {
constexpr int64_t kContext = 96;  // max_position_embeddings of the tiny model (tokens)
const char* kConfig =
    R"({"vocab_size": 32000, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,)"
    R"( "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 96,)"
    R"( "rms_norm_eps": 1e-5, "tie_word_embeddings": false})";

using glossa::test::error_of;
}  // namespace

class TestMcEval : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QStringList tasks_ = {"kobest_copa", "kobest_boolq", "kobest_hellaswag"};
  std::vector<std::string> files_;  // request files, in tasks_ order
  json reference_;                  // eval_reference.py mc output, per file
  LlamaForCausalLM model_{nullptr};

  std::string modelDir() const { return dir_.filePath("model").toStdString(); }

  bool ready() const { return !reference_.is_null(); }

 private Q_SLOTS:
  void initTestCase() {
    const QString py = glossa::test::python();
    const QString tokenizer = glossa::test::sharedFile("tokenizers/llama2/tokenizer.model");
    if (py.isEmpty() || tokenizer.isEmpty()) return;  // each test skips with the reason
    const QStringList splits = {"kobest/COPA/dev.tsv", "kobest/BoolQ/dev.tsv",
                                "kobest/HellaSwag/dev.tsv"};
    const QStringList limits = {"10", "4", "5"};
    for (int i = 0; i < tasks_.size(); ++i) {
      const QString data = glossa::test::sharedFile(splits[i]);
      if (data.isEmpty()) return;
      const QString out = dir_.filePath(tasks_[i] + ".req.jsonl");
      const auto r =
          glossa::test::run(glossa::test::program("glossa-cli"),
                            {"bench", "prepare", "--task", tasks_[i], "--data", data, "--tokenizer",
                             tokenizer, "--out", out, "--limit", limits[i], "--quiet"});
      QVERIFY2(r.exit_code == 0, r.err.constData());
      files_.push_back(out.toStdString());
    }
    // One Python start: make the model, then score every file with transformers.
    const QString model = QString::fromStdString(modelDir());
    QStringList args = {glossa::test::pythonScript("eval_reference.py"), "make-model", model};
    args << kConfig << "7"
         << "--"
         << "mc" << model << QString::number(kContext);
    for (const auto& f : files_) args << QString::fromStdString(f);
    const auto r = glossa::test::run(py, args);
    QVERIFY2(r.exit_code == 0, r.err.constData());
    reference_ = json::parse(r.out.toStdString())[1];
    model_ = load_hf_model(modelDir());
  }

  void logLikelihoodsEqualTransformersPerRequest() {
    if (!ready()) GLOSSA_MISSING("needs the reference Python environment and shared KoBEST data");
    double max_diff = 0;
    for (size_t i = 0; i < files_.size(); ++i) {
      const RequestFile file = RequestFile::load(files_[i]);
      const auto scores = score_requests(*model_, file, files_[i], {3, 0}, JobControl());
      const json& ref = reference_[i];
      QCOMPARE(scores.size(), ref["loglikelihoods"].size());
      for (size_t d = 0; d < scores.size(); ++d)
        for (size_t c = 0; c < scores[d].size(); ++c) {
          const double want = ref["loglikelihoods"][d][c].get<double>();
          max_diff = std::max(max_diff, std::abs(scores[d][c].loglikelihood - want));
          QVERIFY2(std::abs(scores[d][c].loglikelihood - want) <= 1e-4,
                   qPrintable(QString("%1 doc %2 choice %3: %4 vs %5")
                                  .arg(tasks_[int(i)])
                                  .arg(d)
                                  .arg(c)
                                  .arg(scores[d][c].loglikelihood)
                                  .arg(want)));
          QCOMPARE(scores[d][c].greedy, ref["greedy"][d][c].get<bool>());
        }
    }
    qInfo("max |log-likelihood - transformers| = %.3g nats", max_diff);
  }

  void requestsLongerThanTheContextAreCutFromTheLeft() {
    if (!ready()) GLOSSA_MISSING("needs the reference Python environment and shared KoBEST data");
    const RequestFile boolq = RequestFile::load(files_[1]);
    QVERIFY2(boolq.max_sequence_length() > kContext + 1,
             "BoolQ paragraphs should exceed 96 tokens");
    const McTaskResult r =
        evaluate_multiple_choice(*model_, boolq, files_[1], {4, 0}, JobControl());
    QVERIFY(r.truncated_requests > 0);
    QCOMPARE(r.truncated_requests, reference_[1]["truncated"].get<int64_t>());
    // The same requests read whole by a model allowed a longer context score differently: the
    // truncation really happened (and the equality above is not vacuous).
    const auto whole = score_requests(*model_, boolq, files_[1], {4, 4096}, JobControl());
    QVERIFY(std::abs(whole[0][0].loglikelihood - r.requests[0][0].loglikelihood) > 1e-6);
  }

  void scoresEqualPythonMetrics() {
    if (!ready()) GLOSSA_MISSING("needs the reference Python environment and shared KoBEST data");
    for (size_t i = 0; i < files_.size(); ++i) {
      const RequestFile file = RequestFile::load(files_[i]);
      const McTaskResult r =
          evaluate_multiple_choice(*model_, file, files_[i], {8, 0}, JobControl());
      const json& ref = reference_[i];
      QCOMPARE(r.scores.name, file.task);
      QCOMPARE(r.scores.documents, int64_t(file.docs.size()));
      QVERIFY(r.scores.acc && std::abs(*r.scores.acc - ref["acc"].get<double>()) < 1e-12);
      QVERIFY(std::abs(*r.scores.acc_stderr - ref["acc_stderr"].get<double>()) < 1e-12);
      QVERIFY(r.scores.f1 && std::abs(*r.scores.f1 - ref["f1"].get<double>()) < 1e-12);
      if (file.task == "kobest_hellaswag")
        QVERIFY(r.scores.acc_norm &&
                std::abs(*r.scores.acc_norm - ref["acc_norm"].get<double>()) < 1e-12);
      else
        QVERIFY(!r.scores.acc_norm);
    }
  }

  void batchSizeDoesNotChangeScores() {
    if (!ready()) GLOSSA_MISSING("needs the reference Python environment and shared KoBEST data");
    const RequestFile file = RequestFile::load(files_[2]);
    const auto one = score_requests(*model_, file, files_[2], {1, 0}, JobControl());
    const auto many = score_requests(*model_, file, files_[2], {7, 0}, JobControl());
    for (size_t d = 0; d < one.size(); ++d)
      for (size_t c = 0; c < one[d].size(); ++c)
        QVERIFY(std::abs(one[d][c].loglikelihood - many[d][c].loglikelihood) < 1e-5);
  }

  void bfloat16ModelIsScoredWithFp32LogSoftmax() {
    if (!ready()) GLOSSA_MISSING("needs the reference Python environment and shared KoBEST data");
    LlamaForCausalLM bf16 = load_hf_model(modelDir(), torch::kBFloat16);
    const RequestFile file = RequestFile::load(files_[0]);
    const auto got = score_requests(*bf16, file, files_[0], {4, 0}, JobControl());
    for (size_t d = 0; d < got.size(); ++d)
      for (size_t c = 0; c < got[d].size(); ++c) {
        const double want = reference_[0]["loglikelihoods"][d][c].get<double>();
        // bf16 weights move the sum by well under a nat on this model; a bf16 log-softmax or a
        // wrong position would not stay this close over every request.
        QVERIFY2(std::abs(got[d][c].loglikelihood - want) < 0.05 * std::abs(want) + 0.1,
                 qPrintable(QString("%1 vs %2").arg(got[d][c].loglikelihood).arg(want)));
      }
  }

  void modelWithTooSmallVocabularyIsRefusedNamingTheFile() {
    if (!ready()) GLOSSA_MISSING("needs the reference Python environment and shared KoBEST data");
    const RequestFile file = RequestFile::load(files_[0]);
    const QString e = error_of([&] { check_request_file(file, files_[0], 1000, ""); });
    QVERIFY2(
        e.contains(QString::fromStdString(files_[0])) && e.contains("32000") && e.contains("1000"),
        qPrintable(e));
    QCOMPARE(error_of([&] { check_request_file(file, files_[0], 32000, ""); }), QString());
  }

  void otherTokenizerFingerprintIsRefusedNamingTheFile() {
    if (!ready()) GLOSSA_MISSING("needs the reference Python environment and shared KoBEST data");
    const RequestFile file = RequestFile::load(files_[0]);
    QVERIFY(file.tokenizer_fingerprint.size() == 64);
    const QString e = error_of([&] { check_request_file(file, files_[0], 32000, "ab12"); });
    QVERIFY2(e.contains(QString::fromStdString(files_[0])) && e.contains("fingerprint") &&
                 e.contains("ab12"),
             qPrintable(e));
    QCOMPARE(
        error_of([&] { check_request_file(file, files_[0], 32000, file.tokenizer_fingerprint); }),
        QString());
  }

  void continuationLongerThanTheContextIsRefused() {
    if (!ready()) GLOSSA_MISSING("needs the reference Python environment and shared KoBEST data");
    const RequestFile file = RequestFile::load(files_[2]);  // HellaSwag endings: many tokens
    const QString e = error_of([&] {
      score_requests(*model_, file, files_[2], {4, 2}, JobControl());
    });
    QVERIFY2(e.contains("continuation") && e.contains("document 0"), qPrintable(e));
  }

  void trainingModeIsRestoredAfterEvaluation() {
    if (!ready()) GLOSSA_MISSING("needs the reference Python environment and shared KoBEST data");
    const RequestFile file = RequestFile::load(files_[0]);
    model_->train();  // the trainer evaluates every N steps in the middle of training
    score_requests(*model_, file, files_[0], {4, 0}, JobControl());
    QVERIFY(model_->is_training());
    QVERIFY(torch::GradMode::is_enabled());
    model_->eval();
    score_requests(*model_, file, files_[0], {4, 0}, JobControl());
    QVERIFY(!model_->is_training());
  }

  void cancelledJobStopsBetweenBatches() {
    if (!ready()) GLOSSA_MISSING("needs the reference Python environment and shared KoBEST data");
    const RequestFile file = RequestFile::load(files_[0]);
    JobControl job;
    job.cancel();
    QVERIFY_THROWS_EXCEPTION(CancelledError, score_requests(*model_, file, files_[0], {4, 0}, job));
  }
};

QTEST_GUILESS_MAIN(TestMcEval)
#include "test_mc_eval.moc"
