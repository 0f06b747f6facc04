// QCustomPlot draws white with black axes whatever the palette; this gives a plot the widget's
// palette (background, axes, ticks, labels, grid, legend), so plots read the same as the rest of
// the window in a light or a dark colour scheme.
#pragma once

#include <QPalette>

class QCustomPlot;

namespace glossa {

void apply_palette(QCustomPlot* plot, const QPalette& palette);

}  // namespace glossa
