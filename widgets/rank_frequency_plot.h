// A rank-frequency curve on log-log axes (QCustomPlot) with a horizontal minimum-frequency line
// the person drags with the mouse, and marked points (the rows selected in a table). Knows nothing
// of vocabularies: it plots (rank, frequency) pairs and reports where the line was dragged to.
// Replots are queued (rpQueuedReplot), so a drag or a selection costs at most one per frame.
#pragma once

#include <QWidget>
#include <utility>
#include <vector>

class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;
class QMouseEvent;

namespace glossa {

class RankFrequencyPlot : public QWidget {
  Q_OBJECT

 public:
  explicit RankFrequencyPlot(QWidget* parent = nullptr);

  // Points (rank >= 1, frequency >= 1), by rank; the axes fit them.
  void set_curve(const std::vector<std::pair<double, double>>& points);
  void set_threshold(double frequency);  // moves the line; no signal
  double threshold() const { return threshold_; }
  void set_marked(const std::vector<std::pair<double, double>>& points);
  int marked_count() const;

  // Pixel row of the line and the frequency at a pixel row (for tests and the tracker).
  int threshold_pixel() const;
  double frequency_at_pixel(int y) const;
  QCustomPlot* plot() const { return plot_; }

 Q_SIGNALS:
  void thresholdDragged(double frequency);   // while dragging (rounded to a whole count)
  void thresholdReleased(double frequency);  // at the end of a drag

 private:
  void on_press(QMouseEvent* event);
  void on_move(QMouseEvent* event);
  void on_release(QMouseEvent* event);
  void place_line();

  QCustomPlot* plot_;
  QCPGraph* curve_;
  QCPGraph* marked_;
  QCPItemStraightLine* line_;
  QCPItemText* label_;
  double threshold_ = 1;
  bool dragging_ = false;
};

}  // namespace glossa
