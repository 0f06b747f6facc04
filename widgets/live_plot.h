// A live metric plot (QCustomPlot): one curve per key (a run) drawn twice, the raw points faded
// beneath and an exponential moving average on top; log y; stage bands labelled across the top; a
// tracker that shows the values under the cursor. Redraws are coalesced: however often points
// arrive, the plot is drawn at most once per 40 ms (25 a second). Knows nothing of runs.
#pragma once

#include <QTimer>
#include <QVector>
#include <QWidget>
#include <map>
#include <vector>

class QCustomPlot;
class QCPGraph;
class QCPItemText;
class QMouseEvent;
class QCPAbstractItem;

namespace glossa {

class LivePlot : public QWidget {
  Q_OBJECT

 public:
  struct Band {
    double from = 0, to = 0;
    QString label;
  };

  explicit LivePlot(QWidget* parent = nullptr);

  void clear();
  void set_labels(const QString& x, const QString& y);
  // Replaces a curve's points (x ascending), e.g. a metrics.query answer.
  void set_points(int key, const QString& name, const QVector<double>& x, const QVector<double>& y);
  // Appends points past the curve's last x (live rows); earlier ones are ignored.
  void append_points(int key, const QVector<double>& x, const QVector<double>& y);
  void set_smoothing(double weight);  // 0 = none .. 0.99: the EMA's weight of the past
  void set_log_y(bool on);
  void set_bands(const std::vector<Band>& bands);
  void fit();  // axes to the data

  QVector<double> smoothed(int key) const;
  int curve_points(int key) const;
  int replots() const { return replots_; }
  QString tracker_text() const;
  void track(double x);  // what a mouse move at x does (tests)
  QCustomPlot* plot() const { return plot_; }

 private:
  struct Curve {
    QCPGraph* raw = nullptr;
    QCPGraph* smooth = nullptr;
    QVector<double> x, y;
  };
  void recompute(Curve& c);
  void schedule();
  void on_move(QMouseEvent* event);

  QCustomPlot* plot_;
  QCPItemText* tracker_;
  std::map<int, Curve> curves_;
  std::vector<QCPAbstractItem*> band_items_;
  double smoothing_ = 0.6;
  QTimer redraw_;
  int replots_ = 0;
  bool auto_fit_ = true;
};

}  // namespace glossa
