// ctest-labels: unit gui
// The live plot's logic: bias-corrected EMA smoothing, appends past the last x only, redraws
// coalesced to at most one per 40 ms however fast points arrive, the tracker's values.
#include <QElapsedTimer>
#include <QtTest>

#include "widgets/live_plot.h"

using glossa::LivePlot;

class TestLivePlot : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void smoothsWithABiasCorrectedEma() {
    LivePlot plot;
    plot.set_smoothing(0.5);
    plot.set_points(1, "run 1", {1, 2, 3}, {1, 3, 3});
    const QVector<double> s = plot.smoothed(1);
    QCOMPARE(s.size(), 3);
    QCOMPARE(s[0], 1.0);                      // not pulled toward 0
    QVERIFY(qAbs(s[1] - 1.75 / 0.75) < 1e-12);  // (0.25 + 1.5) / (1 - 0.25)
    plot.set_smoothing(0);
    QCOMPARE(plot.smoothed(1), (QVector<double>{1, 3, 3}));
    plot.append_points(1, {2, 3, 4}, {9, 9, 5});  // x 2 and 3 are already there
    QCOMPARE(plot.curve_points(1), 4);
    QCOMPARE(plot.smoothed(1).back(), 5.0);
    plot.track(3.2);
    QVERIFY2(plot.tracker_text().contains("run 1 @ 4: 5"), qPrintable(plot.tracker_text()));
  }

  void keepsAtMostItsLimitAndTheLastPoint() {
    LivePlot plot;
    QVector<double> x, y;
    for (int i = 1; i <= 250001; ++i) {
      x << i;
      y << 1.0 / i;
    }
    plot.set_points(7, "run 7", x, y);
    QVERIFY(plot.curve_points(7) <= LivePlot::kMaxPoints);
    QVERIFY(plot.curve_points(7) >= LivePlot::kMaxPoints / 4);
    plot.track(250001);
    QVERIFY2(plot.tracker_text().contains("@ 250001:"), qPrintable(plot.tracker_text()));
  }

  void redrawsAtMost25ASecond() {
    LivePlot plot;
    plot.resize(600, 400);
    plot.show();
    QElapsedTimer t;
    t.start();
    double x = 0;
    while (t.elapsed() < 500) {  // a point every millisecond, 500 ms long
      plot.append_points(1, {++x}, {std::sin(x / 50)});
      QTest::qWait(1);
    }
    QTest::qWait(100);
    const qint64 elapsed = t.elapsed();
    QVERIFY2(plot.replots() <= elapsed / 40 + 1,
             qPrintable(QString("%1 redraws in %2 ms").arg(plot.replots()).arg(elapsed)));
    QVERIFY(plot.replots() >= 2);  // it did draw while points arrived
    QCOMPARE(plot.curve_points(1), int(x));
  }
};

QTEST_MAIN(TestLivePlot)
#include "test_live_plot.moc"
