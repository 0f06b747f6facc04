// ctest-labels: unit gui
// The rank-frequency plot: log-log axes fitted to the curve, a drag of the minimum-frequency line
// with the mouse (signals while dragging and at release, values following the pointer, the view
// not panned meanwhile), a press away from the line that does not grab it, marked points.
#include "widgets/qcustomplot_include.h"

#include <QtTest>

#include "widgets/rank_frequency_plot.h"

using glossa::RankFrequencyPlot;

class TestRankFrequencyPlot : public QObject {
  Q_OBJECT

  static std::vector<std::pair<double, double>> zipf(int n) {
    std::vector<std::pair<double, double>> points;
    for (int r = 1; r <= n; ++r) points.emplace_back(r, std::floor(100000.0 / r));
    return points;
  }

 private Q_SLOTS:
  void dragsTheLineAndReportsWhereTo() {
    RankFrequencyPlot plot;
    plot.resize(640, 420);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.set_curve(zipf(20000));
    plot.set_threshold(100);
    plot.plot()->replot(QCustomPlot::rpImmediateRefresh);
    QCOMPARE(plot.plot()->xAxis->scaleType(), QCPAxis::stLogarithmic);
    QCOMPARE(plot.plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
    QVERIFY(plot.plot()->yAxis->range().upper >= 100000);
    QSignalSpy dragged(&plot, &RankFrequencyPlot::thresholdDragged);
    QSignalSpy released(&plot, &RankFrequencyPlot::thresholdReleased);
    QWidget* canvas = plot.plot();
    const int x = canvas->width() / 2;
    const int y = plot.threshold_pixel();
    const QCPRange x_range = plot.plot()->xAxis->range();
    QTest::mousePress(canvas, Qt::LeftButton, {}, QPoint(x, y));
    QTest::mouseMove(canvas, QPoint(x + 5, y - 30));
    QTest::mouseMove(canvas, QPoint(x + 10, y - 60));  // up = more frequent on this axis
    QTest::mouseRelease(canvas, Qt::LeftButton, {}, QPoint(x + 10, y - 60));
    QVERIFY(dragged.size() >= 2);
    QCOMPARE(released.size(), 1);
    const double to = released.front().front().toDouble();
    QVERIFY2(to > 100, qPrintable(QString::number(to)));
    QCOMPARE(to, std::round(plot.frequency_at_pixel(y - 60)));
    QCOMPARE(plot.threshold(), to);
    QCOMPARE(plot.plot()->xAxis->range().lower, x_range.lower);  // the view did not pan
    // Far from the line, a press pans the view instead and moves no line.
    QTest::mousePress(canvas, Qt::LeftButton, {}, QPoint(x, plot.threshold_pixel() + 80));
    QTest::mouseMove(canvas, QPoint(x, plot.threshold_pixel() + 120));
    QTest::mouseRelease(canvas, Qt::LeftButton, {}, QPoint(x, plot.threshold_pixel() + 120));
    QCOMPARE(released.size(), 1);
    QCOMPARE(plot.threshold(), to);
  }

  void marksSelectedPoints() {
    RankFrequencyPlot plot;
    plot.set_curve(zipf(100));
    plot.set_marked({{3, 33333}, {10, 10000}});
    QCOMPARE(plot.marked_count(), 2);
    plot.set_marked({});
    QCOMPARE(plot.marked_count(), 0);
  }
};

QTEST_MAIN(TestRankFrequencyPlot)
#include "test_rank_frequency_plot.moc"
