// ctest-labels: unit
// Learning-rate schedules: hand-computed values and transformers' cosine and WSD lambdas.
#include <QtTest>
#include <nlohmann/json.hpp>

#include "support/test_support.h"
#include "base/error.h"
#include "training/config/lr_schedule.h"

using namespace glossa;

namespace {

LrSchedule schedule(ScheduleKind kind) {
  // peak 1, min 0.1, 10 warmup steps, 110 steps in all: decay over steps 10..110.
  return LrSchedule{kind, 1.0, 0.1, 10, 110, 0.2};
}

std::vector<double> python_lrs(const QString& py, const QStringList& args) {
  const auto r = glossa::test::run(
      py, QStringList{glossa::test::pythonScript("lr_schedule_reference.py")} + args);
  if (r.exit_code != 0) qWarning("%s", r.err.constData());
  return nlohmann::json::parse(r.out.toStdString()).get<std::vector<double>>();
}

}  // namespace

class TestLrSchedule : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void handComputedValues() {
    for (auto kind : {ScheduleKind::kCosine, ScheduleKind::kLinear, ScheduleKind::kWsd,
                      ScheduleKind::kConstant}) {
      const LrSchedule s = schedule(kind);
      QCOMPARE(s.lr(0), 0.0);  // warmup starts at 0 (as transformers)
      QCOMPARE(s.lr(5), 0.5);
      QCOMPARE(s.lr(10), 1.0);
    }
    const LrSchedule cosine = schedule(ScheduleKind::kCosine);
    QVERIFY(qAbs(cosine.lr(60) - 0.55) < 1e-12);  // half way: min + (peak - min) / 2
    QVERIFY(qAbs(cosine.lr(35) - (0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI / 4)))) < 1e-12);
    QVERIFY(qAbs(cosine.lr(110) - 0.1) < 1e-12);
    QVERIFY(qAbs(cosine.lr(500) - 0.1) < 1e-12);  // stays at min past the end
    const LrSchedule linear = schedule(ScheduleKind::kLinear);
    QVERIFY(qAbs(linear.lr(35) - (0.1 + 0.9 * 0.75)) < 1e-12);
    QVERIFY(qAbs(linear.lr(110) - 0.1) < 1e-12);
    const LrSchedule wsd = schedule(ScheduleKind::kWsd);  // decay = 22 steps from step 88
    QCOMPARE(wsd.lr(87), 1.0);
    QCOMPARE(wsd.lr(88), 1.0);
    QVERIFY(qAbs(wsd.lr(99) - 0.55) < 1e-12);
    QVERIFY(qAbs(wsd.lr(110) - 0.1) < 1e-12);
    QCOMPARE(schedule(ScheduleKind::kConstant).lr(109), 1.0);
  }

  void cosineMatchesTransformersWithMinLr() {
    GLOSSA_REQUIRE_PYTHON(py);
    const LrSchedule s{ScheduleKind::kCosine, 3e-4, 3e-5, 7, 93, 0.1};
    const std::vector<int64_t> steps = {0, 1, 6, 7, 8, 20, 50, 77, 92, 93};
    QStringList args = {"cosine", "3e-4", "3e-5", "7", "93", "0"};
    for (int64_t st : steps) args << QString::number(st);
    const auto ref = python_lrs(py, args);
    QCOMPARE(ref.size(), steps.size());
    for (size_t i = 0; i < steps.size(); ++i)
      QVERIFY2(
          qAbs(s.lr(steps[i]) - ref[i]) < 1e-15,
          qPrintable(QString("step %1: %2 vs %3").arg(steps[i]).arg(s.lr(steps[i])).arg(ref[i])));
  }

  void wsdDecayMatchesTransformersAfterWarmup() {
    GLOSSA_REQUIRE_PYTHON(py);
    // 100 steps, 10 warmup, decay fraction 0.3 -> 30 decay steps, 60 stable.
    const LrSchedule s{ScheduleKind::kWsd, 1e-3, 1e-4, 10, 100, 0.3};
    const std::vector<int64_t> steps = {10, 40, 69, 70, 71, 85, 99, 100};
    QStringList args = {"wsd", "1e-3", "1e-4", "10", "100", "30"};
    for (int64_t st : steps) args << QString::number(st);
    const auto ref = python_lrs(py, args);
    for (size_t i = 0; i < steps.size(); ++i)
      QVERIFY2(qAbs(s.lr(steps[i]) - ref[i]) < 1e-15, qPrintable(QString::number(steps[i])));
  }

  void inconsistentSchedulesAreRefused() {
    LrSchedule s = schedule(ScheduleKind::kCosine);
    s.min_lr = 2.0;
    QVERIFY_THROWS_EXCEPTION(Error, s.validate("stage"));
    s = schedule(ScheduleKind::kWsd);
    s.wsd_decay_fraction = 0;
    QVERIFY_THROWS_EXCEPTION(Error, s.validate("stage"));
    s = schedule(ScheduleKind::kLinear);
    s.warmup_steps = 200;
    QVERIFY_THROWS_EXCEPTION(Error, s.validate("stage"));
    QVERIFY_THROWS_EXCEPTION(Error, schedule_kind_from_string("cosin", "x"));
    schedule(ScheduleKind::kCosine).validate("stage");
  }
};

QTEST_GUILESS_MAIN(TestLrSchedule)
#include "test_lr_schedule.moc"
