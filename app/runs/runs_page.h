// The Runs page (issue 20, part 3; docs/user-guide.md): the backend's runs in a table; start one
// with the New run dialog, attach a run folder from elsewhere (read-only), pause / resume / checkpoint /
// stop; the selected runs' metric plotted live (history from metrics.query, then run.metrics
// rows as they come), x by step, tokens or wall time, EMA smoothing over the faded raw curve,
// log y, stage bands (from the history too), a tracker, PNG / SVG / PDF / CSV export. Closing the window leaves runs running; the
// history comes back from the backend when it reopens.
#pragma once

#include <QWidget>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "app/runs/new_run_request.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;
class QTableView;

namespace glossa {
class LivePlot;
}

namespace glossa::app {

class BackendClient;
class NewRunDialog;
class RunListModel;

class RunsPage : public QWidget {
  Q_OBJECT

 public:
  explicit RunsPage(BackendClient* client, QWidget* parent = nullptr);

  void start_run(const QString& run_json);    // run.start of a RUN.json file
  void start_run(const nlohmann::json& params);  // run.start
  // "New run…": the dialog (run.plan beside the form), prefilled with the last request or the
  // project's defaults; accepting it starts the run. Returned for tests; it deletes itself.
  NewRunDialog* open_new_run();
  void set_new_run_defaults(const NewRunRequest& request) { new_run_defaults_ = request; }
  void attach_run(const QString& run_dir);    // run.attach
  void control(const QString& command);       // pause, resume, checkpoint, stop (selected runs)
  void select_run(qint64 id);
  void set_series(const QString& series);     // loss, ..., or eval:SET:METRIC (metrics.series)
  QStringList series_names() const;           // what the series menu offers now
  // The plot's curve of run `id` for `series` (a concrete name): the id, or with eval:*:METRIC
  // shown, one curve per held-out set.
  int curve_key(qint64 id, const QString& series) const;
  void set_x(const QString& x);               // step, tokens or time
  bool export_csv(const QString& path) const;
  bool export_to(const QString& path);  // by suffix: .png, .svg, .pdf or .csv; said in the status
  void fit_all();  // after a zoom: the whole history again, axes following the data

  RunListModel* model() const { return model_; }
  QTableView* table() const { return table_; }
  LivePlot* plot() const { return plot_; }
  QString status_text() const;
  std::vector<qint64> selected_runs() const;

 Q_SIGNALS:
  void historyLoaded(qint64 run, int points);
  void zoomLoaded(qint64 run, int points);  // the range in view, at full resolution

 private:
  QWidget* build_controls();
  void reload_runs();
  void reload_plot();
  void reload_series();               // metrics.series of the selected runs into the combo
  void zoom_to(double lower, double upper);
  // metrics.query of run `id` for the current series and x axis (`range`: from / to, or none)
  // into the plot; `done` gets the points drawn. Answers to an earlier selection are dropped.
  void query_curve(qint64 id, nlohmann::json range, std::function<void(int)> done);
  void add_series(const QString& name);
  QStringList concrete_series(const QString& series) const;  // eval:*:M -> every eval:SET:M
  void set_stage_spans(qint64 id, const nlohmann::json& spans);  // metrics.series' stages
  void draw_bands(qint64 id);
  void on_eval_rows(qint64 id, const nlohmann::json& rows);
  void on_notification(const QString& method, const nlohmann::json& params);
  void show_status(const QString& text, bool error = false);
  // run.<command> (or resume_from_checkpoint) for run `id`, asked again while the backend says
  // to retry (a stopped run whose processes are still ending), at most `retries` times.
  void send_control(qint64 id, const QString& method, const QString& command, int retries);
  double x_of(const nlohmann::json& row) const;

  BackendClient* client_;
  RunListModel* model_;
  QTableView* table_;
  LivePlot* plot_;
  QComboBox* series_;
  QComboBox* x_;
  QSlider* smoothing_;
  QCheckBox* log_y_;
  QLabel* status_;
  std::map<qint64, std::vector<std::pair<double, QString>>> stages_;  // per run: (x, stage) starts
  std::map<qint64, double> stage_end_;                                 // per run: newest x
  std::map<qint64, int> loading_;  // generation of each run's history request
  std::map<qint64, std::map<qint64, double>> tokens_at_;  // per run: step -> tokens (eval x)
  int generation_ = 0;
  QStringList eval_sets_;  // held-out sets and tasks seen, in order (curve keys of eval:*:M)
  NewRunRequest new_run_defaults_;
};

}  // namespace glossa::app
