// A live metric plot (QCustomPlot): one curve per key (a run) drawn twice, the raw points faded
// beneath and an exponential moving average on top; log y; stage bands labelled across the top; a
// tracker that shows the values under the cursor. Redraws are coalesced: however often points
// arrive, the plot is drawn at most once per 40 ms (25 a second). Knows nothing of runs.
#pragma once

#include <QTimer>
#include <QVector>
#include <QWidget>
#include <QtNumeric>
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

  // Points a curve keeps at most: past this it is thinned to half (a redraw still walks every
  // point in view). Full resolution comes from the backend for the range in view (viewChanged).
  static constexpr qsizetype kMaxPoints = 100000;

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
  // The plot as a vector drawing (curves, axes, legend, stage bands), `size` in pixels (default:
  // as shown). Returns false when the file cannot be written.
  bool save_svg(const QString& path, QSize size = QSize()) const;
  const std::vector<Band>& bands() const { return bands_; }

  QVector<double> smoothed(int key) const;
  int curve_points(int key) const;
  int replots() const { return replots_; }
  QString tracker_text() const;
  void track(double x);  // what a mouse move at x does (tests)
  bool following() const { return auto_fit_; }  // axes follow the data (no zoom / pan since fit)
  QCustomPlot* plot() const { return plot_; }

 Q_SIGNALS:
  // The person zoomed or panned to [lower, upper] (200 ms after the last wheel or drag step).
  void viewChanged(double lower, double upper);

 private:
  struct Curve {
    QCPGraph* raw = nullptr;
    QCPGraph* smooth = nullptr;
    QVector<double> x, y;
    double ema = 0, weight = 0;  // the EMA's state after the last point
    double low = qInf(), high = -qInf(), low_positive = qInf();  // of y: fit() without a scan
  };
  void recompute(Curve& c);  // the whole curve (new points: append only, O(new points))
  void smooth_into(Curve& c, qsizetype from, QVector<double>* out);
  static void extend(Curve& c, double y);
  void thin(Curve& c);  // halves a curve that grew past kMaxPoints
  void schedule();
  void layout_band_labels();
  void on_move(QMouseEvent* event);

  QCustomPlot* plot_;
  QCPItemText* tracker_;
  std::map<int, Curve> curves_;
  std::vector<QCPAbstractItem*> band_items_;
  std::vector<Band> bands_;
  std::vector<QCPItemText*> band_labels_;
  double smoothing_ = 0.6;
  QTimer redraw_;
  QTimer view_changed_;
  int replots_ = 0;
  bool auto_fit_ = true;
};

}  // namespace glossa
