#include "widgets/live_plot.h"

#include <QFileInfo>
#include <QSvgGenerator>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/plot_style.h"
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
  QColor behind = palette().color(QPalette::Base);
  behind.setAlpha(220);
  tracker_->setBrush(QBrush(behind));
  tracker_->setColor(palette().color(QPalette::Text));
  apply_palette(plot_, palette());
  tracker_->setText(QString());
  redraw_.setSingleShot(true);
  redraw_.setInterval(kRedrawMs);
  connect(&redraw_, &QTimer::timeout, this, [this] {
    if (auto_fit_) fit();
    layout_band_labels();
    plot_->replot(QCustomPlot::rpQueuedReplot);
    ++replots_;
  });
  connect(plot_, &QCustomPlot::mouseMove, this, &LivePlot::on_move);
  view_changed_.setSingleShot(true);
  view_changed_.setInterval(200);
  connect(&view_changed_, &QTimer::timeout, this, [this] {
    Q_EMIT viewChanged(plot_->xAxis->range().lower, plot_->xAxis->range().upper);
  });
  connect(plot_->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this] {
    if (!auto_fit_) view_changed_.start();
    if (!band_labels_.empty()) schedule();  // labels re-fitted to the bands' new widths
  });
  // A person who zooms or pans takes the axes over; "fit" gives them back.
  connect(plot_, &QCustomPlot::mouseWheel, this, [this] { auto_fit_ = false; });
  connect(plot_, &QCustomPlot::mousePress, this, [this] { auto_fit_ = false; });
}

void LivePlot::clear() {
  plot_->clearGraphs();
  curves_.clear();
  set_bands({});
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
    // Width 1: QPainter strokes wider polylines slowly (8,000 points: 300 ms at width 2, 2 ms at
    // width 1; bench_gui_live_plot).
    c.smooth->setPen(QPen(color, 1));
    c.smooth->setAdaptiveSampling(true);
    c.raw->setAdaptiveSampling(true);
  }
  c.smooth->setName(name);
  c.x = x;
  c.y = y;
  if (c.x.size() > kMaxPoints) thin(c);
  else recompute(c);
  schedule();
}

void LivePlot::append_points(int key, const QVector<double>& x, const QVector<double>& y) {
  auto it = curves_.find(key);
  if (it == curves_.end()) return set_points(key, QString::number(key), x, y);
  Curve& c = it->second;
  const qsizetype first = c.x.size();
  QVector<double> new_x, new_y;
  for (qsizetype i = 0; i < x.size(); ++i) {
    if (!c.x.isEmpty() && x[i] <= c.x.back()) continue;
    c.x << x[i];
    c.y << y[i];
    extend(c, y[i]);
    new_x << x[i];
    new_y << y[i];
  }
  if (new_x.isEmpty()) return;
  if (c.x.size() > kMaxPoints) {
    thin(c);
    return schedule();
  }
  // Only the new points: a million-point curve costs nothing more per live step.
  QVector<double> smooth;
  smooth_into(c, first, &smooth);
  c.raw->addData(new_x, new_y, true);
  c.smooth->addData(new_x, smooth, true);
  schedule();
}

void LivePlot::smooth_into(Curve& c, qsizetype from, QVector<double>* out) {
  // Bias-corrected EMA (as TensorBoard): early points are not pulled toward zero.
  for (qsizetype i = from; i < c.y.size(); ++i) {
    if (!std::isfinite(c.y[i])) {
      *out << qQNaN();
      continue;
    }
    c.ema = smoothing_ * c.ema + (1 - smoothing_) * c.y[i];
    c.weight = smoothing_ * c.weight + (1 - smoothing_);
    *out << c.ema / c.weight;
  }
}

void LivePlot::thin(Curve& c) {
  // Every stride-th point, the last one kept: at most half of kMaxPoints remain.
  const qsizetype stride = (c.x.size() + kMaxPoints / 2 - 1) / (kMaxPoints / 2);
  QVector<double> x, y;
  x.reserve(kMaxPoints / 2 + 1);
  y.reserve(kMaxPoints / 2 + 1);
  for (qsizetype i = (c.x.size() - 1) % stride; i < c.x.size(); i += stride) {
    x << c.x[i];
    y << c.y[i];
  }
  c.x = std::move(x);
  c.y = std::move(y);
  recompute(c);
}

void LivePlot::extend(Curve& c, double y) {
  if (!std::isfinite(y)) return;
  c.low = std::min(c.low, y);
  c.high = std::max(c.high, y);
  if (y > 0) c.low_positive = std::min(c.low_positive, y);
}

void LivePlot::recompute(Curve& c) {
  c.ema = c.weight = 0;
  c.low = c.low_positive = qInf();
  c.high = -qInf();
  for (double y : c.y) extend(c, y);
  QVector<double> s;
  s.reserve(c.y.size());
  smooth_into(c, 0, &s);
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
  band_labels_.clear();
  bands_ = bands;
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
    label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
    QColor text = palette().color(QPalette::WindowText);  // readable on light and dark palettes
    text.setAlphaF(0.75);
    label->setColor(text);
    band_items_.push_back(rect);
    band_items_.push_back(label);
    band_labels_.push_back(label);
  }
  schedule();
}

void LivePlot::layout_band_labels() {
  // Each label starts where its band is visible and is cut to the band's width in pixels;
  // alternate bands sit one line higher, so neighbours' labels do not run into each other.
  const QCPRange view = plot_->xAxis->range();
  for (size_t i = 0; i < band_labels_.size() && i < bands_.size(); ++i) {
    QCPItemText* label = band_labels_[i];
    const double from = std::max(bands_[i].from, view.lower), to = std::min(bands_[i].to, view.upper);
    const int width = int(plot_->xAxis->coordToPixel(to) - plot_->xAxis->coordToPixel(from)) - 6;
    const QFontMetrics metrics(label->font());
    label->setText(to > from && width > metrics.averageCharWidth() * 2
                       ? metrics.elidedText(bands_[i].label, Qt::ElideRight, width)
                       : QString());
    label->position->setCoords(from, i % 2 ? 0.94 : 0.99);
  }
}

bool LivePlot::save_svg(const QString& path, QSize size) const {
  if (!size.isValid()) size = plot_->size();
  QSvgGenerator svg;
  svg.setFileName(path);
  svg.setSize(size);
  svg.setViewBox(QRect(QPoint(0, 0), size));
  svg.setTitle(plot_->yAxis->label());
  QCPPainter painter;
  if (!painter.begin(&svg)) return false;
  plot_->toPainter(&painter, size.width(), size.height());
  painter.end();
  return QFileInfo(path).size() > 0;
}

void LivePlot::fit() {
  // From the extremes kept as points arrive: rescaleAxes() would scan every point of every
  // graph at each redraw (4 million with two 1,000,000-point runs).
  double x0 = qInf(), x1 = -qInf(), y0 = qInf(), y1 = -qInf();
  const bool log = plot_->yAxis->scaleType() == QCPAxis::stLogarithmic;
  for (const auto& [key, c] : curves_) {
    if (c.x.isEmpty()) continue;
    x0 = std::min(x0, c.x.front());
    x1 = std::max(x1, c.x.back());
    y0 = std::min(y0, log ? c.low_positive : c.low);
    y1 = std::max(y1, c.high);
  }
  if (std::isfinite(x0) && std::isfinite(y0) && std::isfinite(y1)) {
    plot_->xAxis->setRange(x0, x1 > x0 ? x1 : x0 + 1);
    const double pad = log ? 0 : (y1 - y0) * 0.05 + (y1 == y0 ? 0.5 : 0);
    plot_->yAxis->setRange(log ? y0 / 1.2 : y0 - pad, log ? y1 * 1.2 : y1 + pad);
  }
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
