// ctest-labels: unit
// Multiple-choice scores as lm-evaluation-harness computes them: hand-computed cases, random
// inputs against tests/python/harness_reference.py (numpy; F1 from precision and recall as
// scikit-learn defines it), and the WiC sanity check (constant predictions).
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <random>

#include "support/test_support.h"
#include "base/error.h"
#include "training/metrics/mc_metrics.h"

using glossa::McDocScore;

class TestMcMetrics : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void handComputedAccAccNormAndF1() {
    // doc 0: lls (-2, -3), chars (1, 10): pred 0, norm -2 vs -0.3 -> 1; gold 1
    // doc 1: lls (-1, -5), chars (2, 2): pred 0, norm 0; gold 0
    // doc 2: lls (-4, -4), chars (3, 3): tie -> first (0); gold 1
    const std::vector<McDocScore> docs = {
        {1, {-2, -3}, {1, 10}}, {0, {-1, -5}, {2, 2}}, {1, {-4, -4}, {3, 3}}};
    const auto s = glossa::score_multiple_choice("t", {"acc", "acc_norm", "f1"}, docs);
    QCOMPARE(*s.acc, 1.0 / 3);
    QCOMPARE(*s.acc_norm, 2.0 / 3);
    QCOMPARE(*s.acc_stderr, std::sqrt((1.0 / 3) * (2.0 / 3) / 2));
    // preds (0,0,0) vs gold (1,0,1): class 0 F1 = 2/(2+2) = 0.5; class 1 F1 = 0 -> 0.25
    QCOMPARE(*s.f1, 0.25);
    QCOMPARE(s.predictions, (std::vector<int64_t>{0, 0, 0}));
    const auto only_acc = glossa::score_multiple_choice("t", {"acc"}, docs);
    QVERIFY(!only_acc.acc_norm && !only_acc.f1);
    QVERIFY_THROWS_EXCEPTION(glossa::Error,
                             glossa::score_multiple_choice("t", {"acc"}, {{2, {-1, -2}, {1, 1}}}));
  }

  void macroF1CountsLabelsFromGoldAndPredictions() {
    // label 2 only predicted: F1 0, still averaged (sklearn labels = unique(gold ∪ pred))
    QCOMPARE(glossa::macro_f1({0, 1, 1}, {0, 1, 2}), (1.0 + 2.0 / 3 + 0.0) / 3);
    QCOMPARE(glossa::argmax_first({-1.0, std::nan(""), 5.0}), int64_t(1));  // numpy: NaN wins
  }

  void constantPredictionsGiveTheMajorityShareLikeWicInTheEevePaper() {
    // KoBEST WiC test: 1,260 documents; always "아니오" (0) scores .4881 = 615 / 1260.
    std::vector<McDocScore> docs;
    for (int i = 0; i < 1260; ++i) docs.push_back({i < 615 ? 0 : 1, {-1.0, -2.0}, {3, 1}});
    const auto s = glossa::score_multiple_choice("kobest_wic", {"acc", "f1"}, docs);
    QCOMPARE(std::round(*s.acc * 10000) / 10000, 0.4881);
    QCOMPARE(*s.f1, (2.0 * 615 / (2 * 615 + 645)) / 2);  // class 1 never predicted: F1 0
  }

  void groupIsTheDocumentWeightedMeanWithPooledStderr() {
    glossa::McScores a, b;
    a.documents = 100;
    a.acc = 0.5;
    a.acc_stderr = glossa::binary_mean_stderr(0.5, 100);
    a.f1 = 0.4;
    b.documents = 300;
    b.acc = 0.9;
    b.acc_stderr = glossa::binary_mean_stderr(0.9, 300);
    b.acc_norm = 0.7;
    b.acc_norm_stderr = glossa::binary_mean_stderr(0.7, 300);
    const auto g = glossa::group_scores("kobest", {a, b});
    QCOMPARE(g.documents, int64_t(400));
    QCOMPARE(*g.acc, (0.5 * 100 + 0.9 * 300) / 400);
    QCOMPARE(*g.acc_norm, 0.7);  // only b reports it
    QCOMPARE(*g.f1, 0.4);
    // lm_eval pooled_sample_stderr
    const double var = (99 * 0.25 / 99 * 100 + 299 * 0.09 / 299 * 300) / (400 - 2);
    QVERIFY(std::abs(*g.acc_stderr - std::sqrt(var / 400)) < 1e-12);
  }

  void randomInputsMatchThePythonReference() {
    GLOSSA_REQUIRE_PYTHON(py);
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> ll(-30.0, -0.5);
    std::uniform_int_distribution<int> chars(1, 40), label(0, 3);
    std::vector<McDocScore> docs;
    nlohmann::json in = {{"gold", nlohmann::json::array()},
                         {"lls", nlohmann::json::array()},
                         {"chars", nlohmann::json::array()}};
    for (int i = 0; i < 500; ++i) {
      McDocScore d{label(rng), {}, {}};
      for (int c = 0; c < 4; ++c) {
        d.loglikelihoods.push_back(ll(rng));
        d.choice_chars.push_back(chars(rng));
      }
      in["gold"].push_back(d.gold);
      in["lls"].push_back(d.loglikelihoods);
      in["chars"].push_back(d.choice_chars);
      docs.push_back(d);
    }
    QTemporaryDir dir;
    const QString path = dir.filePath("in.json");
    std::ofstream(path.toStdString()) << std::setprecision(17) << in.dump();
    const auto r = glossa::test::run(
        py, {glossa::test::pythonScript("harness_reference.py"), "metrics", path});
    QVERIFY2(r.finished && r.exit_code == 0, r.err.constData());
    const QVariantMap ref = QJsonDocument::fromJson(r.out).toVariant().toMap();
    const auto s = glossa::score_multiple_choice("t", {"acc", "acc_norm", "f1"}, docs);
    for (const auto& [key, value] :
         std::vector<std::pair<const char*, double>>{{"acc", *s.acc},
                                                     {"acc_stderr", *s.acc_stderr},
                                                     {"acc_norm", *s.acc_norm},
                                                     {"acc_norm_stderr", *s.acc_norm_stderr},
                                                     {"f1", *s.f1}})
      QVERIFY2(std::abs(ref.value(key).toDouble() - value) < 1e-12,
               qPrintable(QString("%1: python %2, glossa %3")
                              .arg(key)
                              .arg(ref.value(key).toDouble())
                              .arg(value)));
    QVERIFY(*s.acc > 0.1 && *s.acc < 0.5);  // random scores: near chance (0.25)
  }
};

QTEST_GUILESS_MAIN(TestMcMetrics)
#include "test_mc_metrics.moc"
