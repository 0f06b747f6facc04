#include "widgets/live_plot.h"

#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/qcustomplot_include.h"

namespace glossa {

namespace {

constexpr int kRedrawMs = 40;  // at most 25 redraws a second

QColor curve_color(int index) {
  static const QColor kColors[] = {QColor(0x2a, 0x6f, 0xdb), QColor(0xe0, 0x6c, 0x00),
                                   QColor(0x26, 0xa2, 0x69), QColor(0xc0, 0x1c, 0x28),
                                   QColor(0x91, 0x41, 0xac), QColor(0x63, 0x45, 0x2c)};
  return kColors[index % 6];
}

}  // namespace

LivePlot::LivePlot(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->legend->setVisible(true);
  plot_->setMinimumSize(360, 240);
  tracker_ = new QCPItemText(plot_);
  tracker_->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
  tracker_->position->setType(QCPItemPosition::ptAxisRectRatio);
  tracker_->position->setCoords(0.01, 0.01);
  tracker_->setPadding(QMargins(4, 2, 4, 2));
  tracker_->setBrush(QBrush(QColor(255, 255, 255, 220)));
  tracker_->setText(QString());
  redraw_.setSingleShot(true);
  redraw_.setInterval(kRedrawMs);
  connect(&redraw_, &QTimer::timeout, this, [this] {
    if (auto_fit_) fit();
    plot_->replot(QCustomPlot::rpQueuedReplot);
    ++replots_;
  });
  connect(plot_, &QCustomPlot::mouseMove, this, &LivePlot::on_move);
  // A person who zooms or pans takes the axes over; "fit" gives them back.
  connect(plot_, &QCustomPlot::mouseWheel, this, [this] { auto_fit_ = false; });
  connect(plot_, &QCustomPlot::mousePress, this, [this] { auto_fit_ = false; });
}

void LivePlot::clear() {
  plot_->clearGraphs();
  curves_.clear();
  auto_fit_ = true;
  schedule();
}

void LivePlot::set_labels(const QString& x, const QString& y) {
  plot_->xAxis->setLabel(x);
  plot_->yAxis->setLabel(y);
  schedule();
}

void LivePlot::set_points(int key, const QString& name, const QVector<double>& x,
                          const QVector<double>& y) {
  Curve& c = curves_[key];
  if (!c.raw) {
    const QColor color = curve_color(int(curves_.size()) - 1);
    c.raw = plot_->addGraph();
    QColor faded = color;
    faded.setAlpha(70);
    c.raw->setPen(QPen(faded, 1));
    c.raw->removeFromLegend();
    c.smooth = plot_->addGraph();
    c.smooth->setPen(QPen(color, 2));
    c.smooth->setAdaptiveSampling(true);
    c.raw->setAdaptiveSampling(true);
  }
  c.smooth->setName(name);
  c.x = x;
  c.y = y;
  recompute(c);
  schedule();
}

void LivePlot::append_points(int key, const QVector<double>& x, const QVector<double>& y) {
  auto it = curves_.find(key);
  if (it == curves_.end()) return set_points(key, QString::number(key), x, y);
  Curve& c = it->second;
  for (qsizetype i = 0; i < x.size(); ++i) {
    if (!c.x.isEmpty() && x[i] <= c.x.back()) continue;
    c.x << x[i];
    c.y << y[i];
  }
  recompute(c);
  schedule();
}

void LivePlot::recompute(Curve& c) {
  // Bias-corrected EMA (as TensorBoard): early points are not pulled toward zero.
  QVector<double> s(c.y.size());
  double ema = 0, weight = 0;
  for (qsizetype i = 0; i < c.y.size(); ++i) {
    if (!std::isfinite(c.y[i])) {
      s[i] = qQNaN();
      continue;
    }
    ema = smoothing_ * ema + (1 - smoothing_) * c.y[i];
    weight = smoothing_ * weight + (1 - smoothing_);
    s[i] = ema / weight;
  }
  c.raw->setData(c.x, c.y, true);
  c.smooth->setData(c.x, s, true);
  c.raw->setVisible(smoothing_ > 0);
}

void LivePlot::set_smoothing(double weight) {
  smoothing_ = std::clamp(weight, 0.0, 0.99);
  for (auto& [key, c] : curves_) recompute(c);
  schedule();
}

void LivePlot::set_log_y(bool on) {
  plot_->yAxis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
  if (on) plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  else plot_->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
  schedule();
}

void LivePlot::set_bands(const std::vector<Band>& bands) {
  for (QCPAbstractItem* item : band_items_) plot_->removeItem(item);
  band_items_.clear();
  for (size_t i = 0; i < bands.size(); ++i) {
    auto* rect = new QCPItemRect(plot_);
    rect->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
    rect->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
    rect->topLeft->setCoords(bands[i].from, 0);
    rect->bottomRight->setCoords(bands[i].to, 1);
    rect->setPen(Qt::NoPen);
    rect->setBrush(QColor(0x80, 0x80, 0x80, i % 2 ? 28 : 12));
    rect->setLayer(QStringLiteral("background"));
    auto* label = new QCPItemText(plot_);
    label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    label->position->setCoords(bands[i].from, 0.98);
    label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
    label->setText(bands[i].label);
    label->setColor(QColor(0x55, 0x55, 0x55));
    band_items_.push_back(rect);
    band_items_.push_back(label);
  }
  schedule();
}

void LivePlot::fit() {
  plot_->rescaleAxes(true);
  auto_fit_ = true;
}

void LivePlot::schedule() {
  if (!redraw_.isActive()) redraw_.start();
}

QVector<double> LivePlot::smoothed(int key) const {
  const auto it = curves_.find(key);
  QVector<double> out;
  if (it == curves_.end()) return out;
  for (auto p = it->second.smooth->data()->constBegin(); p != it->second.smooth->data()->constEnd(); ++p)
    out << p->value;
  return out;
}

int LivePlot::curve_points(int key) const {
  const auto it = curves_.find(key);
  return it == curves_.end() ? 0 : int(it->second.x.size());
}

QString LivePlot::tracker_text() const { return tracker_->text(); }

void LivePlot::track(double x) {
  QStringList lines;
  for (const auto& [key, c] : curves_) {
    if (c.x.isEmpty()) continue;
    const auto at = std::lower_bound(c.x.begin(), c.x.end(), x);
    const qsizetype i = std::min<qsizetype>(at - c.x.begin(), c.x.size() - 1);
    const double smooth = (c.smooth->data()->constBegin() + i)->value;
    lines << QStringLiteral("%1 @ %2: %3 (raw %4)")
                 .arg(c.smooth->name())
                 .arg(c.x[i], 0, 'g', 8)
                 .arg(smooth, 0, 'g', 5)
                 .arg(c.y[i], 0, 'g', 5);
  }
  tracker_->setText(lines.join(QLatin1Char('\n')));
  schedule();
}

void LivePlot::on_move(QMouseEvent* event) {
  track(plot_->xAxis->pixelToCoord(event->position().x()));
}

}  // namespace glossa
