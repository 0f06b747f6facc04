// QCustomPlot's header uses Qt's lower-case keywords (signals, slots, emit, foreach), which the
// project turns off (QT_NO_KEYWORDS: they clash with LibTorch). Include it through this header.
#pragma once

#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef emit
#undef foreach
