#include "widgets/plot_style.h"

#include "widgets/qcustomplot_include.h"

namespace glossa {

void apply_palette(QCustomPlot* plot, const QPalette& palette) {
  const QColor base = palette.color(QPalette::Base), text = palette.color(QPalette::Text);
  QColor grid = text;
  grid.setAlphaF(0.18);
  plot->setBackground(base);
  for (QCPAxis* axis : plot->axisRect()->axes()) {
    axis->setBasePen(QPen(text));
    axis->setTickPen(QPen(text));
    axis->setSubTickPen(QPen(text));
    axis->setTickLabelColor(text);
    axis->setLabelColor(text);
    axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
  }
  plot->legend->setBrush(base);
  plot->legend->setBorderPen(QPen(grid));
  plot->legend->setTextColor(text);
}

}  // namespace glossa
