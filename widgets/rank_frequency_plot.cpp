#include "widgets/rank_frequency_plot.h"

#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/plot_style.h"
#include "widgets/qcustomplot_include.h"

namespace glossa {

namespace {

constexpr int kGrabPixels = 6;  // how near the line a press starts a drag

void log_axis(QCPAxis* axis, const QString& label) {
  axis->setScaleType(QCPAxis::stLogarithmic);
  QSharedPointer<QCPAxisTickerLog> ticker(new QCPAxisTickerLog);
  axis->setTicker(ticker);
  axis->setNumberFormat(QStringLiteral("eb"));
  axis->setNumberPrecision(0);
  axis->setLabel(label);
}

}  // namespace

RankFrequencyPlot::RankFrequencyPlot(QWidget* parent)
    : QWidget(parent), plot_(new QCustomPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  log_axis(plot_->xAxis, tr("rank (most frequent first)"));
  log_axis(plot_->yAxis, tr("frequency in the corpus (tokens)"));
  curve_ = plot_->addGraph();
  curve_->setName(tr("candidates"));
  curve_->setPen(QPen(QColor(0x2a, 0x6f, 0xdb), 1));  // wider lines stroke slowly (live_plot.cpp)
  curve_->setAdaptiveSampling(true);
  marked_ = plot_->addGraph();
  marked_->setName(tr("selected"));
  marked_->setLineStyle(QCPGraph::lsNone);
  marked_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QColor(0xe0, 0x6c, 0x00),
                                           QColor(0xe0, 0x6c, 0x00), 7));
  line_ = new QCPItemStraightLine(plot_);
  line_->setPen(QPen(QColor(0xc0, 0x1c, 0x28), 2, Qt::DashLine));
  label_ = new QCPItemText(plot_);
  label_->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
  label_->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
  label_->position->setTypeY(QCPItemPosition::ptPlotCoords);
  label_->setColor(QColor(0xc0, 0x1c, 0x28));
  plot_->legend->setVisible(true);
  apply_palette(plot_, palette());
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->setMinimumSize(320, 200);
  connect(plot_, &QCustomPlot::mousePress, this, &RankFrequencyPlot::on_press);
  connect(plot_, &QCustomPlot::mouseMove, this, &RankFrequencyPlot::on_move);
  connect(plot_, &QCustomPlot::mouseRelease, this, &RankFrequencyPlot::on_release);
  place_line();
}

void RankFrequencyPlot::set_curve(const std::vector<std::pair<double, double>>& points) {
  QVector<double> x, y;
  x.reserve(qsizetype(points.size()));
  y.reserve(qsizetype(points.size()));
  for (const auto& [rank, count] : points) {
    x << rank;
    y << count;
  }
  curve_->setData(x, y, true);
  const double max_rank = points.empty() ? 10 : std::max(10.0, points.back().first * 1.5);
  double max_count = 10;
  for (const auto& p : points) max_count = std::max(max_count, p.second);
  plot_->xAxis->setRange(0.8, max_rank);
  plot_->yAxis->setRange(0.8, max_count * 2);
  place_line();
}

void RankFrequencyPlot::set_threshold(double frequency) {
  threshold_ = std::max(1.0, frequency);
  place_line();
}

void RankFrequencyPlot::set_marked(const std::vector<std::pair<double, double>>& points) {
  QVector<double> x, y;
  for (const auto& [rank, count] : points) {
    x << rank;
    y << count;
  }
  marked_->setData(x, y);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

int RankFrequencyPlot::marked_count() const { return marked_->dataCount(); }

void RankFrequencyPlot::place_line() {
  line_->point1->setCoords(1, threshold_);
  line_->point2->setCoords(10, threshold_);
  label_->position->setCoords(0.98, threshold_);
  label_->setText(tr("minimum frequency %1").arg(qint64(std::llround(threshold_))));
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

int RankFrequencyPlot::threshold_pixel() const {
  return int(std::lround(plot_->yAxis->coordToPixel(threshold_)));
}

double RankFrequencyPlot::frequency_at_pixel(int y) const {
  return plot_->yAxis->pixelToCoord(y);
}

void RankFrequencyPlot::on_press(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return;
  if (std::abs(event->position().y() - plot_->yAxis->coordToPixel(threshold_)) > kGrabPixels)
    return;
  dragging_ = true;
  plot_->setInteraction(QCP::iRangeDrag, false);  // the press moves the line, not the view
}

void RankFrequencyPlot::on_move(QMouseEvent* event) {
  const bool near = std::abs(event->position().y() - plot_->yAxis->coordToPixel(threshold_)) <= kGrabPixels;
  plot_->setCursor(dragging_ || near ? Qt::SizeVerCursor : Qt::ArrowCursor);
  if (!dragging_) return;
  const double value = std::max(1.0, std::round(frequency_at_pixel(int(event->position().y()))));
  if (value == threshold_) return;
  set_threshold(value);
  Q_EMIT thresholdDragged(value);
}

void RankFrequencyPlot::on_release(QMouseEvent*) {
  if (!dragging_) return;
  dragging_ = false;
  plot_->setInteraction(QCP::iRangeDrag, true);
  Q_EMIT thresholdReleased(threshold_);
}

}  // namespace glossa
