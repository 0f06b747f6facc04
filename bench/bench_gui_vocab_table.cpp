// The Vocabulary page's table at its target size (issue 20: sort and filter of 200,000 rows
// <= 100 ms each): a CandidateTableModel filled with 200,000 Zipf-distributed Hangul candidates
// through vocab.candidates-shaped pages, then each operation the page offers, timed several times
// (median and max printed), offscreen.
//   build/bin/glossa-bench-gui-vocab-table [--rows N] [--repeat N]
#include <QApplication>
#include <QElapsedTimer>
#include <QTableView>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "app/vocab/candidate_filter_proxy.h"
#include "app/vocab/candidate_table_model.h"

using glossa::app::CandidateFilterProxy;
using glossa::app::CandidateTableModel;
using nlohmann::json;

namespace {

std::string hangul(std::mt19937& rng, int chars) {
  std::string s = rng() % 2 ? "\xE2\x96\x81" : "";  // ▁ half of the time
  for (int i = 0; i < chars; ++i) {
    const char32_t c = 0xAC00 + rng() % 11172;
    s += char(0xE0 | (c >> 12));
    s += char(0x80 | ((c >> 6) & 0x3F));
    s += char(0x80 | (c & 0x3F));
  }
  return s;
}

void fill(CandidateTableModel& m, int rows) {
  std::mt19937 rng(7);
  const json columns = {"piece", "count", "rank", "chars", "script", "status", "reason",
                        "iteration", "base_pieces", "override", "override_reason"};
  m.clear(50);
  for (int first = 0; first < rows; first += 5000) {
    json page = {{"columns", columns}, {"rows", json::array()}};
    for (int r = first; r < std::min(rows, first + 5000); ++r) {
      const int64_t count = int64_t(2000000.0 / (r + 1));  // Zipf
      const int chars = 1 + int(rng() % 4);
      page["rows"].push_back({hangul(rng, chars), count, r + 1, chars, "hangul",
                              count >= 50 ? "included" : "excluded", "count", 2,
                              json::array({"▁", "<0xEC>", "<0x98>"}), "", ""});
    }
    m.append_page(page);
  }
}

void report(const char* what, int repeat, const std::function<void()>& op) {
  std::vector<double> ms;
  for (int i = 0; i < repeat; ++i) {
    QElapsedTimer t;
    t.start();
    op();
    ms.push_back(double(t.nsecsElapsed()) / 1e6);
  }
  std::sort(ms.begin(), ms.end());
  std::printf("%-52s median %7.1f ms  max %7.1f ms  (%d runs)\n", what, ms[ms.size() / 2],
              ms.back(), repeat);
}

}  // namespace

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  int rows = 200000, repeat = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--rows")) rows = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--repeat")) repeat = std::atoi(argv[i + 1]);
  }
  CandidateTableModel model;
  QElapsedTimer load;
  load.start();
  fill(model, rows);
  std::printf("%d rows loaded from %d pages in %.0f ms\n", model.rowCount(), (rows + 4999) / 5000,
              double(load.nsecsElapsed()) / 1e6);
  QElapsedTimer order;
  order.start();
  model.prepare_token_order();
  std::printf("token order prepared (once per load) in %.0f ms\n", double(order.nsecsElapsed()) / 1e6);
  CandidateFilterProxy proxy;
  proxy.setSourceModel(&model);
  QTableView view;  // attached, as on the page
  view.setModel(&proxy);
  view.resize(1000, 700);
  view.show();
  app.processEvents();
  bool up = false;
  report("sort by frequency (toggle order)", repeat, [&] {
    proxy.sort(CandidateTableModel::kFrequency, (up = !up) ? Qt::AscendingOrder : Qt::DescendingOrder);
  });
  report("sort by token (toggle order)", repeat, [&] {
    proxy.sort(CandidateTableModel::kToken, (up = !up) ? Qt::AscendingOrder : Qt::DescendingOrder);
  });
  proxy.sort(CandidateTableModel::kFrequency, Qt::DescendingOrder);
  report("filter status = included, then any", repeat, [&] {
    proxy.set_status("included");
    proxy.set_status("");
  });
  report("filter frequency 100..10,000, then all", repeat, [&] {
    proxy.set_frequency_range(100, 10000);
    proxy.set_frequency_range(0, -1);
  });
  report("filter regex ^▁?.$ (one-syllable tokens), then none", repeat, [&] {
    proxy.set_pattern(QStringLiteral("^▁?.$"));
    proxy.set_pattern(QString());
  });
  report("search '가' (substring), then none", repeat, [&] {
    proxy.set_search(QStringLiteral("가"));
    proxy.set_search(QString());
  });
  qint64 line = 50;
  report("move the min-frequency line (relabel all rows)", repeat, [&] {
    model.set_min_freq(line = line == 50 ? 500 : 50);
    app.processEvents();
  });
  proxy.set_status("included");
  report("move the line with a status filter on (+ refilter)", repeat, [&] {
    model.set_min_freq(line = line == 50 ? 500 : 50);
    proxy.refilter();
  });
  report("count included rows (summary)", repeat, [&] { (void)model.included_count(); });
  return 0;
}
