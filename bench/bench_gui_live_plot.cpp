// The Runs page's plot under load (issue 20: redraws <= 25 a second and no event-loop stall over
// 50 ms with 1,000,000 points per series while a run streams): two curves handed 1,000,000
// points each (as if a run's whole history were given at full resolution; the plot keeps at most
// LivePlot::kMaxPoints), then 1,000 new points a second per curve arriving in 10 ms batches for
// 5 s, offscreen. Prints redraws per second and the longest gap between two ticks of a 1 ms timer
// (how long the event loop was busy at once).
//   build/bin/glossa-bench-gui-live-plot [--points N] [--seconds S]
#include <QApplication>
#include <QElapsedTimer>
#include <QTimer>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "widgets/live_plot.h"

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  int points = 1000000, seconds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--points")) points = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atoi(argv[i + 1]);
  }
  glossa::LivePlot plot;
  plot.resize(1200, 700);
  plot.show();
  QElapsedTimer setup;
  setup.start();
  for (int key : {1, 2}) {
    QVector<double> x(points), y(points);
    for (int i = 0; i < points; ++i) {
      x[i] = i + 1;
      y[i] = 3 + key * 0.1 + 4 * std::exp(-i / 2e5) + 0.3 * std::sin(i * 0.37);
    }
    plot.set_points(key, QStringLiteral("run %1").arg(key), x, y);
  }
  std::printf("2 curves x %d points set (raw + EMA) in %.0f ms\n", points,
              double(setup.nsecsElapsed()) / 1e6);
  app.processEvents();
  const int replots_before = plot.replots();
  double next_x = points + 1;
  QTimer feed;
  QObject::connect(&feed, &QTimer::timeout, [&] {
    QVector<double> x, y;
    for (int i = 0; i < 10; ++i, ++next_x) {
      x << next_x;
      y << 3 + 0.3 * std::sin(next_x * 0.37);
    }
    plot.append_points(1, x, y);
    plot.append_points(2, x, y);
  });
  feed.start(10);
  QElapsedTimer clock, since_tick;
  clock.start();
  since_tick.start();
  qint64 worst_gap = 0;
  QTimer tick;
  tick.setTimerType(Qt::PreciseTimer);
  QObject::connect(&tick, &QTimer::timeout, [&] {
    worst_gap = std::max(worst_gap, since_tick.elapsed());
    since_tick.restart();
    if (clock.elapsed() >= seconds * 1000) app.quit();
  });
  tick.start(1);
  app.exec();
  const double s = double(clock.elapsed()) / 1000;
  std::printf("%.1f s streaming 1,000 points/s into each curve: %d redraws (%.1f per second), "
              "longest event-loop stall %lld ms, %d points per curve at the end\n",
              s, plot.replots() - replots_before, (plot.replots() - replots_before) / s,
              (long long)worst_gap, plot.curve_points(1));
  return 0;
}
