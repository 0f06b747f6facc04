// ctest-labels: unit
// The training loop on a tiny random Llama (CPU fp32): loss falls, frozen parts stay
// bit-identical per stage, accumulation equals one big batch, NaN steps are skipped and limited,
// metrics / evaluations / events / export are written, control requests are honoured, and the
// losses equal a transformers + torch.optim.AdamW loop on the same weights and batches.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QtTest>
#include <fstream>
#include <thread>

#include "support/test_support.h"
#include "base/error.h"
#include "support/trainer_fixture.h"
#include "training/data/batch_sampler.h"
#include "training/run/cross_entropy.h"
#include "training/io/hf_checkpoint.h"
#include "training/metrics/metrics_store.h"

using namespace glossa;
using namespace glossa::test;
using nlohmann::json;

namespace {

double mean_loss(const std::vector<StepRecord>& steps, size_t begin, size_t end) {
  double sum = 0;
  for (size_t i = begin; i < end; ++i) sum += steps[i].loss;
  return sum / static_cast<double>(end - begin);
}

// Tensors (or rows) of `before` and `after` that differ, by name.
bool rows_equal(const torch::Tensor& a, const torch::Tensor& b, int64_t begin, int64_t end) {
  return torch::equal(a.slice(0, begin, end), b.slice(0, begin, end));
}

}  // namespace

class TestTrainer : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void lossFallsOnARepetitiveCorpus() {
    TinyRun run;
    Recorder rec;
    JobControl control;
    Trainer trainer(
        run.config("fall", json::array({stage("all", {"all"}, 30, {{"peak_lr", 3e-2}})})), control,
        &rec);
    const TrainResult result = trainer.run();
    QCOMPARE(result.status, std::string("finished"));
    QCOMPARE(rec.steps.size(), size_t(30));
    const double first = mean_loss(rec.steps, 0, 3), last = mean_loss(rec.steps, 27, 30);
    QVERIFY2(last < 0.6 * first, qPrintable(QString("loss %1 -> %2").arg(first).arg(last)));
    QCOMPARE(result.tokens_seen, int64_t(30 * 2 * 16));
    QCOMPARE(rec.steps.back().tokens, int64_t(30 * 2 * 16));
    // Metrics rows in metrics.sqlite, one per step, and the stage events.
    MetricsReader reader(run.run_dir("fall") + "/metrics.sqlite");
    QCOMPARE(reader.step_count(), int64_t(30));
    const auto rows = reader.read_steps(-1, 1000);
    QCOMPARE(rows.back().loss, rec.steps.back().loss);
    QVERIFY(rows.back().lr_json.contains("layers.0.attn"));
    QVERIFY(rows.back().grad_norm > 0);
    QVERIFY(std::isnan(rows.back().mfu));  // no peak given
    QCOMPARE(rec.count("stage_start"), 1);
    QCOMPARE(rec.count("stage_end"), 1);
    // The export loads and holds the trained weights.
    auto exported = load_hf_model(result.export_dir);
    const auto trained = snapshot(trainer.model());
    for (const auto& [name, t] : snapshot(*exported))
      QVERIFY2(bit_identical(t, trained.at(name)), name.c_str());
    QCOMPARE(exported->config().vocab_size, kBaseVocab + kNewTokens);
  }

  void frozenPartsStayBitIdenticalPerStage() {
    TinyRun run;
    Recorder rec;
    JobControl control;
    const json stages =
        json::array({stage("new rows", {"embed.new"}, 4), stage("odd layers", {"layers.odd"}, 4),
                     stage("all", {"all"}, 4)});
    Trainer trainer(run.config("frozen", stages), control, &rec);
    std::vector<std::map<std::string, torch::Tensor>> at_start, at_end;
    rec.stage_hook = [&](const StageInfo&, bool start) {
      (start ? at_start : at_end).push_back(snapshot(trainer.model()));
    };
    trainer.run();
    QCOMPARE(at_end.size(), size_t(3));
    const std::string embed = "model.embed_tokens.weight";
    // Stage 1: only embedding rows >= 64 move.
    for (const auto& [name, t] : at_start[0]) {
      if (name == embed) {
        QVERIFY(rows_equal(t, at_end[0].at(name), 0, kBaseVocab));
        QVERIFY(!rows_equal(t, at_end[0].at(name), kBaseVocab, kBaseVocab + kNewTokens));
      } else {
        QVERIFY2(bit_identical(t, at_end[0].at(name)), name.c_str());
      }
    }
    // Stage 2: only layer 1 moves.
    for (const auto& [name, t] : at_start[1]) {
      const bool odd = name.rfind("model.layers.1.", 0) == 0;
      QVERIFY2(odd == !bit_identical(t, at_end[1].at(name)), name.c_str());
    }
    // Stage 3: everything moves (the norms and the head included).
    for (const auto& [name, t] : at_start[2])
      QVERIFY2(!bit_identical(t, at_end[2].at(name)), name.c_str());
  }

  void gradientAccumulationEqualsOneBigBatch() {
    TinyRun run;
    JobControl control;
    auto train = [&](const std::string& name, int64_t micro, int64_t accum) {
      Trainer t(
          run.config(name,
                     json::array({stage(
                         "all", {"all"}, 3,
                         {{"micro_batch", micro}, {"grad_accum", accum}, {"weight_decay", 0.1}})})),
          control);
      t.run();
      return snapshot(t.model());
    };
    const auto split = train("accum", 2, 2), whole = train("whole", 4, 1);
    for (const auto& [name, t] : split) {
      const double diff = (t - whole.at(name)).abs().max().item<double>();
      QVERIFY2(diff <= 1e-6, qPrintable(QString("%1: %2").arg(name.c_str()).arg(diff)));
    }
  }

  void nanLossSkipsTheStepWithAWarning() {
    TinyRun run;
    Recorder rec;
    JobControl control;
    Trainer trainer(run.config("nan", json::array({stage("all", {"all"}, 5)})), control, &rec);
    trainer.inject_nan_loss_at({3});
    std::map<int64_t, std::map<std::string, torch::Tensor>> after;
    rec.step_hook = [&](const StepRecord& r) { after[r.step] = snapshot(trainer.model()); };
    const TrainResult result = trainer.run();
    QCOMPARE(result.status, std::string("finished"));
    QCOMPARE(result.nan_skips, int64_t(1));
    QVERIFY(std::isnan(rec.steps[2].loss));
    QVERIFY(std::isfinite(rec.steps[3].loss));
    for (const auto& [name, t] : after[2])
      QVERIFY2(bit_identical(t, after[3].at(name)), name.c_str());
    for (const auto& [name, t] : after[3]) QVERIFY(!bit_identical(t, after[4].at(name)));
    QCOMPARE(rec.count("warning"), 1);
    MetricsReader reader(run.run_dir("nan") + "/metrics.sqlite");
    QVERIFY(std::isnan(reader.read_steps(-1, 1000).at(2).loss));  // stored as NULL
  }

  void nanLimitStopsTheRunWithAnError() {
    TinyRun run;
    JobControl control;
    Trainer trainer(
        run.config("nanstop", json::array({stage("all", {"all"}, 6)}), {{"max_nan_skips", 2}}),
        control);
    trainer.inject_nan_loss_at({2, 4});
    try {
      trainer.run();
      QFAIL("a second NaN step with max_nan_skips 2 did not stop the run");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("max_nan_skips 2"), e.what());
    }
  }

  // Fewer skips than max_nan_skips, but every step of a stage skipped: nothing trained, so the
  // run fails instead of finishing and exporting the untouched model (issue 17).
  void stageWhoseEveryStepIsSkippedFailsTheRun() {
    TinyRun run;
    JobControl control;
    Trainer trainer(run.config("allnan", json::array({stage("all", {"all"}, 3)})), control);
    trainer.inject_nan_loss_at({1, 2, 3});
    try {
      const TrainResult result = trainer.run();
      QFAIL(qPrintable(QString("a run of skipped steps ended as '%1'")
                           .arg(QString::fromStdString(result.status))));
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("every one of the 3 steps of stage 'all' was skipped"),
               e.what());
    }
    QVERIFY(!std::filesystem::exists(run.run_dir("allnan") + "/export"));
  }

  void evalHookRunsEveryNStepsAndAtStageEnd() {
    TinyRun run;
    Recorder rec;
    JobControl control;
    Trainer trainer(
        run.config("eval", json::array({stage("a", {"all"}, 5, {{"eval_every_steps", 2}})})),
        control, &rec);
    std::vector<int64_t> calls;
    trainer.set_eval_hook([&](LlamaForCausalLMImpl&, const std::string& s, int64_t step) {
      calls.push_back(step);
      return json::array(
          {{{"set_or_task", "probe"}, {"metric", "loss"}, {"value", 1.5}, {"stderr", nullptr}}});
    });
    trainer.run();
    QCOMPARE(calls, (std::vector<int64_t>{2, 4, 5}));
    QCOMPARE(rec.evals.size(), size_t(3));
    MetricsReader reader(run.run_dir("eval") + "/metrics.sqlite");
    const auto evals = reader.read_evals();
    QCOMPARE(evals.size(), size_t(3));
    QCOMPARE(evals.back().step, int64_t(5));
    QCOMPARE(evals.back().value, 1.5);
  }

  // A stop that arrives while the held-out sets are being scored (the hook sees the same
  // control) ends the run "stopped" with its checkpoint, not "failed: cancelled" (the Runs
  // page's one-off failure, caught with the run's log tail in the full suite).
  void stopDuringAnEvaluationStopsTheRunCleanly() {
    TinyRun run;
    Recorder rec;
    JobControl control;
    Trainer trainer(
        run.config("stop-in-eval", json::array({stage("a", {"all"}, 8, {{"eval_every_steps", 2}})})),
        control, &rec);
    trainer.set_eval_hook([&](LlamaForCausalLMImpl&, const std::string&, int64_t step) {
      if (step == 4) {
        control.cancel();  // what glossa-train's "stop" does, mid-evaluation
        control.check_cancelled();
      }
      return json::array();
    });
    const TrainResult result = trainer.run();
    QCOMPARE(result.status, std::string("stopped"));
    QCOMPARE(result.global_step, int64_t(4));
    QVERIFY(!result.last_checkpoint.empty());
    QVERIFY(rec.count("stopped") == 1);
  }

  void controlRequestsAreHonouredBetweenSteps() {
    TinyRun run;
    Recorder rec;
    JobControl control;
    Trainer trainer(run.config("control", json::array({stage("a", {"all"}, 6)})), control, &rec);
    std::atomic<bool> waiting{false};
    rec.event_hook = [&](const std::string& kind) {
      if (kind == "paused") waiting.store(true);
    };
    // Another thread, as glossa-train's control channel: resumes once the trainer waits.
    std::thread resumer([&] {
      while (!waiting.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      trainer.resume();
    });
    rec.step_hook = [&](const StepRecord& r) {
      if (r.step == 2) trainer.request_checkpoint();
      if (r.step == 3) trainer.pause();
      if (r.step == 5) control.cancel();
    };
    TrainResult result;
    std::string error;
    try {
      result = trainer.run();
    } catch (const Error& e) {
      error = e.what();
    }
    waiting.store(true);  // lets the resumer end whatever happened
    resumer.join();
    QVERIFY2(error.empty(), error.c_str());
    QCOMPARE(result.status, std::string("stopped"));
    QCOMPARE(result.global_step, int64_t(5));
    QCOMPARE(rec.count("paused"), 1);
    QVERIFY(QFileInfo::exists(
        QString::fromStdString(run.run_dir("control") + "/checkpoints/step-00000002")));
    QVERIFY(QFileInfo::exists(
        QString::fromStdString(run.run_dir("control") + "/checkpoints/step-00000005")));
    QVERIFY(!QFileInfo::exists(QString::fromStdString(run.run_dir("control") + "/export")));
  }

  // The fused loss (training/run/cross_entropy.h) against torch's cross_entropy: value and gradient,
  // with ignored rows, large logits and a scaled upstream gradient.
  void fusedCrossEntropyMatchesTorch() {
    torch::manual_seed(7);
    const torch::Tensor logits = (torch::randn({37, 301}) * 8).requires_grad_(true);  // (N, V)
    torch::Tensor targets = torch::randint(0, 301, {37}, torch::kLong);
    targets.index_put_({torch::arange(0, 37, 5)}, kIgnoreTarget);
    const torch::Tensor mine = cross_entropy_sum(logits, targets);
    (mine * 0.25).backward();
    const torch::Tensor my_grad = logits.grad().clone();
    logits.mutable_grad() = torch::Tensor();
    const torch::Tensor ref = torch::nn::functional::cross_entropy(
        logits, targets,
        torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kIgnoreTarget).reduction(
            torch::kSum));
    (ref * 0.25).backward();
    QVERIFY(std::abs(mine.item<double>() - ref.item<double>()) <= 1e-6 * ref.item<double>());
    QVERIFY(mine.item<double>() > 1.0);
    const double grad_diff = (my_grad - logits.grad()).abs().max().item<double>();
    QVERIFY2(grad_diff <= 1e-6, std::to_string(grad_diff).c_str());
    QCOMPARE(my_grad.index({0}).abs().max().item<double>(), 0.0);  // an ignored row
    QVERIFY_THROWS_EXCEPTION(Error, cross_entropy_sum(logits, targets.narrow(0, 0, 5)));
    // Backward reuses the saved log-probabilities in place: a second pass must fail loudly.
    const torch::Tensor again = cross_entropy_sum(logits, targets);
    again.backward({}, /*retain_graph=*/true);
    QVERIFY_THROWS_EXCEPTION(c10::Error, again.backward());
  }

  void lossesMatchTransformersAndTorchAdamW_data() {
    QTest::addColumn<QString>("dtype");
    QTest::addColumn<double>("tolerance");
    QTest::newRow("float32") << "float32" << 1e-4;
    // Against PyTorch AMP (autocast bf16 over float32 parameters): the same bf16 compute of the
    // same float32 weights; AMP accumulates micro-batch gradients in float32, Glossa in bf16.
    QTest::newRow("bf16-mixed vs torch.autocast") << "bf16-mixed" << 1e-3;  // measured 7e-5
  }

  void lossesMatchTransformersAndTorchAdamW() {
    QFETCH(QString, dtype);
    QFETCH(double, tolerance);
    GLOSSA_REQUIRE_PYTHON(py);
    TinyRun run;
    const std::string model_dir = run.root() + "/hf_init";
    auto r = glossa::test::run(py, {glossa::test::pythonScript("trainer_reference.py"), "init",
                                    QString::fromStdString(model_dir)});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    // One stage training everything, 5 steps, 2 micro-batches per step, clip 1.0, decay 0.1.
    const json st = stage("all", {"all"}, 5,
                          {{"grad_accum", 2},
                           {"weight_decay", 0.1},
                           {"betas", {0.9, 0.95}},
                           {"clip_grad_norm", 1.0},
                           {"warmup_steps", 2}});
    json cfg = run.run_json("parity", json::array({st}));
    cfg["model"] = {{"path", model_dir}};
    cfg.erase("new_token_map");
    cfg["data"]["sources"][0]["prefix"] = run.root() + "/plain";
    cfg["dtype"] = dtype.toStdString();
    const RunConfig config = RunConfig::from_json(cfg);
    Recorder rec;
    JobControl control;
    Trainer trainer(config, control, &rec);
    trainer.run();
    // The batches the trainer's sampler drew: the same sampler, same config, same order.
    DataConfig data = config.data;
    data.seq_len = 16;
    BatchSampler sampler(data, kBaseVocab);
    const StageConfig stage_config = config.schedule.stages[0];
    json batches = json::array(), lrs = json::array();
    for (int s = 0; s < 5; ++s) {
      json step = json::array();
      for (int m = 0; m < 2; ++m) {
        const Batch b = sampler.next_batch(2);
        step.push_back({{"inputs", b.inputs},
                        {"targets", b.targets},
                        {"mask", b.loss_mask},
                        {"B", b.B},
                        {"T", b.T}});
      }
      batches.push_back(step);
      lrs.push_back(stage_config.lr_schedule().lr(s));
    }
    const std::string case_path = run.root() + "/parity_case.json";
    std::ofstream(case_path) << json{{"batches", batches},   {"lrs", lrs},
                                     {"betas", {0.9, 0.95}}, {"eps", 1e-8},
                                     {"weight_decay", 0.1},  {"clip", 1.0},
                                     {"mixed", dtype == QStringLiteral("bf16-mixed")}}
                                    .dump();
    r = glossa::test::run(py,
                          {glossa::test::pythonScript("trainer_reference.py"), "train",
                           QString::fromStdString(model_dir), QString::fromStdString(case_path)});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const json reference = json::parse(r.out.toStdString());
    QCOMPARE(rec.steps.size(), size_t(5));
    double max_diff = 0;
    for (int s = 0; s < 5; ++s) {
      const double ours = rec.steps[s].loss, theirs = reference["losses"][s].get<double>();
      max_diff = std::max(max_diff, std::abs(ours - theirs));
      QVERIFY2(
          std::abs(ours - theirs) <= tolerance,
          qPrintable(
              QString("step %1: glossa %2, transformers %3").arg(s + 1).arg(ours).arg(theirs)));
    }
    qInfo("5 losses (%s) vs transformers + torch AdamW: max |diff| %.3g (first %.6f, last %.6f)",
          qPrintable(dtype), max_diff, rec.steps.front().loss, rec.steps.back().loss);
  }
};

QTEST_GUILESS_MAIN(TestTrainer)
#include "test_trainer.moc"
