#include "app/runs/runs_page.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QSplitter>
#include <QTableView>
#include <QTextStream>
#include <QTimer>
#include <QVBoxLayout>

#include "app/backend_client.h"
#include "app/icons.h"
#include "app/runs/new_run_dialog.h"
#include "app/runs/run_list_model.h"
#include "widgets/live_plot.h"
#include "widgets/qcustomplot_include.h"

namespace glossa::app {

using nlohmann::json;

namespace {

constexpr int kHistoryPoints = 4000;  // per run; the backend keeps each bucket's last value

const char* const kSeries[][2] = {
    {"loss", "training loss"},       {"grad_norm", "gradient norm"},
    {"lr", "learning rate"},         {"tokens_per_s", "tokens / s"},
    {"mfu", "MFU"},                  {"peak_mem_bytes", "peak memory (bytes)"},
    {"step_time_s", "step time (s)"}};

QString x_label(const QString& x) {
  if (x == QLatin1String("tokens")) return QObject::tr("tokens seen");
  if (x == QLatin1String("time")) return QObject::tr("wall time (s since the first step)");
  return QObject::tr("step");
}

}  // namespace

RunsPage::RunsPage(BackendClient* client, QWidget* parent)
    : QWidget(parent), client_(client), model_(new RunListModel(this)), table_(new QTableView),
      plot_(new LivePlot), series_(new QComboBox), x_(new QComboBox),
      smoothing_(new QSlider(Qt::Horizontal)), log_y_(new QCheckBox(tr("log y"))), status_(new QLabel) {
  table_->setModel(model_);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setStretchLastSection(true);
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(table_);
  auto* lower = new QWidget;
  auto* lower_layout = new QVBoxLayout(lower);
  lower_layout->setContentsMargins(0, 0, 0, 0);
  lower_layout->addWidget(build_controls());
  lower_layout->addWidget(plot_, 1);
  split->addWidget(lower);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 3);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(split, 1);
  layout->addWidget(status_);
  plot_->set_labels(x_label("step"), tr("training loss"));
  connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RunsPage::reload_plot);
  connect(client_, &BackendClient::connected, this, &RunsPage::reload_runs);
  connect(plot_, &LivePlot::viewChanged, this, &RunsPage::zoom_to);
  connect(client_, &BackendClient::notification, this, &RunsPage::on_notification);
  client_->subscribe({{"runs", true}});
  if (client_->state() == BackendClient::State::kConnected) reload_runs();
}

QWidget* RunsPage::build_controls() {
  // Two rows: what to do with runs, then how to plot them (one row was cramped at 1,280 px).
  auto* box = new QWidget;
  auto* rows = new QVBoxLayout(box);
  rows->setContentsMargins(0, 0, 0, 0);
  auto* row = new QHBoxLayout;
  rows->addLayout(row);
  const auto button = [&](const QString& text, const QString& tip, auto&& slot, const char* icon = nullptr) {
    auto* b = new QPushButton(text);
    if (icon) b->setIcon(themed_icon(icon));
    b->setToolTip(tip);
    connect(b, &QPushButton::clicked, this, slot);
    row->addWidget(b);
  };
  button(tr("New run…"), tr("Start a run from a preset with the project's model, tokenizer and shards, "
                            "or from a RUN.json; what would run is shown before it starts"),
         [this] { open_new_run(); }, "document-new");
  button(tr("Attach…"), tr("Follow a run folder from elsewhere (a cluster run), read-only"), [this] {
    const QString d = QFileDialog::getExistingDirectory(this, tr("Attach a run folder"));
    if (!d.isEmpty()) attach_run(d);
  }, "folder-open");
  for (const auto& [c, icon] : {std::pair{QStringLiteral("pause"), "media-playback-pause"},
                                std::pair{QStringLiteral("resume"), "media-playback-start"},
                                std::pair{QStringLiteral("checkpoint"), "document-save"},
                                std::pair{QStringLiteral("stop"), "media-playback-stop"}})
    button(c.at(0).toUpper() + c.mid(1),
           c == QLatin1String("resume")
               ? tr("Resume the selected runs: a paused run goes on; a stopped or failed one starts "
                    "again from its last checkpoint")
               : tr("%1 the selected runs").arg(c),
           [this, c = c] { control(c); }, icon);
  row->addStretch(1);
  row = new QHBoxLayout;
  rows->addLayout(row);
  series_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  series_->setMinimumContentsLength(24);
  for (const auto& s : kSeries) series_->addItem(tr(s[1]), QString::fromLatin1(s[0]));
  x_->addItem(tr("by step"), QStringLiteral("step"));
  x_->addItem(tr("by tokens"), QStringLiteral("tokens"));
  x_->addItem(tr("by wall time"), QStringLiteral("time"));
  smoothing_->setRange(0, 99);
  smoothing_->setValue(60);
  smoothing_->setMinimumWidth(100);
  smoothing_->setMaximumWidth(160);
  smoothing_->setToolTip(tr("Smoothing: exponential moving average (the raw curve is faded beneath)"));
  row->addWidget(series_);
  row->addWidget(x_);
  row->addWidget(new QLabel(tr("smoothing")));
  row->addWidget(smoothing_);
  row->addWidget(log_y_);
  button(tr("Fit"), tr("The whole history again, axes following the data (zooming or panning stops following)"),
         [this] { fit_all(); }, "zoom-fit-best");
  button(tr("Export…"), tr("Save the plot as PNG, SVG or PDF, or its points as CSV"), [this] {
    const QString f = QFileDialog::getSaveFileName(this, tr("Export"), QString(),
                                                   tr("PNG (*.png);;SVG (*.svg);;PDF (*.pdf);;CSV (*.csv)"));
    if (!f.isEmpty()) export_to(f);
  }, "document-export");
  row->addStretch(1);
  connect(series_, &QComboBox::currentIndexChanged, this, &RunsPage::reload_plot);
  connect(x_, &QComboBox::currentIndexChanged, this, &RunsPage::reload_plot);
  connect(smoothing_, &QSlider::valueChanged, this, [this](int v) { plot_->set_smoothing(v / 100.0); });
  connect(log_y_, &QCheckBox::toggled, plot_, &LivePlot::set_log_y);
  return box;
}

void RunsPage::reload_runs() {
  client_->call("run.list", json::object(), [this](const json& r, const protocol::RpcError* e) {
    if (e) return show_status(tr("Could not list the runs: %1").arg(QString::fromStdString(e->message)), true);
    const std::vector<qint64> keep = selected_runs();
    model_->reset(r.at("runs"));
    for (qint64 id : keep) select_run(id);
    if (keep.empty() && model_->rowCount() > 0) select_run(model_->id_at(model_->rowCount() - 1));
    if (model_->rowCount() == 0)
      show_status(tr("No runs yet: New run… from a preset or a RUN.json, or Attach… a run folder "
                     "trained elsewhere."));
  });
}

std::vector<qint64> RunsPage::selected_runs() const {
  std::vector<qint64> ids;
  for (const QModelIndex& i : table_->selectionModel()->selectedRows()) ids.push_back(model_->id_at(i.row()));
  return ids;
}

void RunsPage::select_run(qint64 id) {
  const int row = model_->row_of(id);
  if (row >= 0)
    table_->selectionModel()->select(model_->index(row, 0),
                                     QItemSelectionModel::Select | QItemSelectionModel::Rows);
}

void RunsPage::set_series(const QString& series) { series_->setCurrentIndex(series_->findData(series)); }
void RunsPage::set_x(const QString& x) { x_->setCurrentIndex(x_->findData(x)); }

QStringList RunsPage::series_names() const {
  QStringList names;
  for (int i = 0; i < series_->count(); ++i) names << series_->itemData(i).toString();
  return names;
}

void RunsPage::reload_series() {
  json ids = json::array();
  for (qint64 id : selected_runs()) ids.push_back(id);
  if (ids.empty()) return;
  client_->call("metrics.series", {{"runs", ids}}, [this](const json& r, const protocol::RpcError* e) {
    if (e) return;
    for (const json& run : r.at("runs")) {
      for (const json& name : run.at("series")) add_series(QString::fromStdString(name.get<std::string>()));
      set_stage_spans(run.value("id", qint64(0)), run.value("stages", json::array()));
    }
  });
}

void RunsPage::add_series(const QString& name) {
  if (series_->findData(name) >= 0) return;
  // eval:SET:METRIC -> "SET: METRIC" (held-out loss and bits per byte, benchmark scores), and
  // once per metric "every set: METRIC" (eval:*:METRIC): Korean beside English, so forgetting shows.
  const QStringList parts = name.split(QLatin1Char(':'));
  QString label = parts.size() == 3 ? tr("%1: %2").arg(parts[1], QString(parts[2]).replace('_', ' ')) : name;
  if (parts.size() == 2)  // lr:GROUP, grad_norm:GROUP
    label = (parts[0] == QLatin1String("lr") ? tr("learning rate: %1") : tr("gradient norm: %1")).arg(parts[1]);
  const QSignalBlocker quiet(series_);
  if (parts.size() == 3 && parts[1] != QLatin1String("*")) {
    if (!eval_sets_.contains(parts[1])) eval_sets_ << parts[1];
    add_series(QStringLiteral("eval:*:") + parts[2]);
  }
  series_->addItem(parts.size() == 3 && parts[1] == QLatin1String("*")
                       ? tr("every held-out set: %1").arg(QString(parts[2]).replace('_', ' '))
                       : label,
                   name);
}

QStringList RunsPage::concrete_series(const QString& series) const {
  if (!series.startsWith(QLatin1String("eval:*:"))) return {series};
  QStringList names;
  for (const QString& set : eval_sets_) names << QStringLiteral("eval:%1:%2").arg(set, series.mid(7));
  return names;
}

int RunsPage::curve_key(qint64 id, const QString& series) const {
  // One curve per run, or per (run, set) for eval:*:METRIC: the set's index above bit 20.
  if (!series_->currentData().toString().startsWith(QLatin1String("eval:*:"))) return int(id);
  const QStringList parts = series.split(QLatin1Char(':'));
  return int(id) + (int(eval_sets_.indexOf(parts.value(1))) + 1) * (1 << 20);
}

void RunsPage::fit_all() { reload_plot(); }

void RunsPage::zoom_to(double lower, double upper) {
  // Full resolution for what is in view: the backend downsamples [lower, upper] only.
  for (qint64 id : selected_runs())
    query_curve(id, {{"from", lower}, {"to", upper}}, [this, id](int points) { Q_EMIT zoomLoaded(id, points); });
}

void RunsPage::reload_plot() {
  reload_series();
  plot_->clear();
  plot_->set_labels(x_label(x_->currentData().toString()), series_->currentText());
  ++generation_;
  for (qint64 id : selected_runs()) {
    loading_[id] = generation_;
    query_curve(id, json::object(), [this, id](int points) {
      loading_.erase(id);
      Q_EMIT historyLoaded(id, points);
    });
  }
}

void RunsPage::query_curve(qint64 id, json range, std::function<void(int)> done) {
  const QStringList names = concrete_series(series_->currentData().toString());
  if (names.isEmpty()) return done(0);
  auto pending = std::make_shared<std::pair<int, int>>(int(names.size()), 0);  // answers left, points
  range.update({{"runs", {id}}, {"x", x_->currentData().toString().toStdString()},
                {"max_points", kHistoryPoints}});
  const int generation = generation_;
  for (const QString& name : names) {
    range["series"] = name.toStdString();
    client_->call("metrics.query", range,
                  [this, id, name, generation, done, pending](const json& r, const protocol::RpcError* e) {
      if (generation != generation_) return;  // the series, x axis or selection changed since
      if (e) return show_status(tr("Run %1: %2").arg(id).arg(QString::fromStdString(e->message)), true);
      QVector<double> xs, ys;
      for (const json& run : r.at("runs")) {
        for (const json& v : run.at("x")) xs << v.get<double>();
        for (const json& v : run.at("last")) ys << (v.is_number() ? v.get<double>() : qQNaN());
      }
      const int key = curve_key(id, name);
      const QString set = name.section(QLatin1Char(':'), 1, 1);
      if (!xs.isEmpty() || key == int(id))
        plot_->set_points(key, key == int(id) ? tr("run %1").arg(id) : tr("run %1 · %2").arg(id).arg(set), xs, ys);
      pending->second += int(xs.size());
      if (--pending->first == 0) done(pending->second);
    });
  }
}

double RunsPage::x_of(const json& row) const {
  const QString x = x_->currentData().toString();
  const char* key = x == QLatin1String("tokens") ? "tokens" : x == QLatin1String("time") ? "time" : "step";
  const auto it = row.find(key);
  return it != row.end() && it->is_number() ? it->get<double>() : qQNaN();
}

void RunsPage::on_notification(const QString& method, const json& params) {
  if (!method.startsWith(QLatin1String("run."))) return;
  if (!model_->apply(method, params)) {
    if (method == QLatin1String("run.state")) reload_runs();  // a run another client started
    return;
  }
  const qint64 id = params.value("id", qint64(0));
  const auto selected = selected_runs();
  const bool shown = std::find(selected.begin(), selected.end(), id) != selected.end();
  if (method == QLatin1String("run.state")) {  // the status line follows the run to its end
    const std::string state = params.value("state", "");
    if (state == "finished" || state == "stopped" || state == "failed")
      show_status(tr("Run %1 %2 at step %3").arg(id).arg(QString::fromStdString(state))
                      .arg(params.value("global_step", json()).is_number() ? params.at("global_step").get<qint64>() : 0),
                  state == "failed");
  }
  if (method == QLatin1String("run.eval") && shown) return on_eval_rows(id, params.value("rows", json::array()));
  if (method != QLatin1String("run.metrics")) return;
  for (const json& row : params.value("rows", json::array()))
    if (row.contains("step") && row.contains("tokens") && row.at("tokens").is_number())
      tokens_at_[id][row.at("step").get<qint64>()] = row.at("tokens").get<double>();
  if (!shown || loading_.count(id)) return;
  const std::string series = series_->currentData().toString().toStdString();
  if (series.rfind("eval:", 0) == 0) return;  // eval points come with run.eval
  QVector<double> xs, ys;
  auto& stages = stages_[id];
  // lr:GROUP / grad_norm:GROUP live in the row's lr_groups / grad_norm_groups objects.
  const size_t colon = series.find(':');
  const std::string field = colon == std::string::npos ? series : series.substr(0, colon) + "_groups";
  const std::string key = colon == std::string::npos ? series : series.substr(colon + 1);
  static const json kNoGroups = json::object();
  for (const json& row : params.value("rows", json::array())) {
    const auto groups = row.find(field);
    const json& holder = colon == std::string::npos      ? row
                         : groups != row.end() && groups->is_object() ? *groups
                                                                      : kNoGroups;
    const auto v = holder.find(key);
    xs << x_of(row);
    ys << (v != holder.end() && v->is_number() ? v->get<double>() : qQNaN());
    const QString stage = QString::fromStdString(row.value("stage", ""));
    if (!stage.isEmpty() && (stages.empty() || stages.back().second != stage)) stages.emplace_back(xs.back(), stage);
  }
  plot_->append_points(int(id), xs, ys);
  if (!xs.isEmpty()) stage_end_[id] = xs.back();
  if (selected.size() == 1) draw_bands(id);
}

void RunsPage::set_stage_spans(qint64 id, const json& spans) {
  const std::string x = x_->currentData().toString().toStdString();
  auto& stages = stages_[id];
  stages.clear();
  for (const json& span : spans) {
    const json from = span.at("from").value(x, json()), to = span.at("to").value(x, json());
    if (!from.is_number() || !to.is_number()) continue;
    stages.emplace_back(from.get<double>(), QString::fromStdString(span.value("name", "")));
    stage_end_[id] = std::max(stage_end_[id], to.get<double>());
  }
  if (selected_runs().size() == 1) draw_bands(id);
}

void RunsPage::draw_bands(qint64 id) {
  // Stage i spans from its first x to the next stage's first x (the last: to the newest point).
  const auto& stages = stages_[id];
  std::vector<LivePlot::Band> bands;
  for (size_t i = 0; i < stages.size(); ++i)
    bands.push_back({stages[i].first, i + 1 < stages.size() ? stages[i + 1].first : stage_end_[id],
                     stages[i].second});
  plot_->set_bands(bands);
}

void RunsPage::on_eval_rows(qint64 id, const json& rows) {
  const QString current = series_->currentData().toString();
  for (const json& row : rows) {
    const QString name = QStringLiteral("eval:%1:%2").arg(QString::fromStdString(row.value("set_or_task", "")),
                                                          QString::fromStdString(row.value("metric", "")));
    add_series(name);
    if (!concrete_series(current).contains(name) || loading_.count(id) || !row.value("value", json()).is_number())
      continue;
    const qint64 step = row.value("step", qint64(0));
    double x = double(step);
    if (x_->currentData().toString() == QLatin1String("time")) x = row.value("time", 0.0);
    if (x_->currentData().toString() == QLatin1String("tokens")) {
      const auto& tokens = tokens_at_[id];
      const auto it = tokens.find(step);
      if (it == tokens.end()) continue;
      x = it->second;
    }
    plot_->append_points(curve_key(id, name), {x}, {row.at("value").get<double>()});
  }
}

NewRunDialog* RunsPage::open_new_run() {
  auto* dialog = new NewRunDialog(client_, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  NewRunRequest request = new_run_defaults_;
  // A folder that holds a run already would be refused (or resumed): offer the next free name.
  for (int n = 2; !request.run_dir.isEmpty() && QDir(request.run_dir).exists() && !QDir(request.run_dir).isEmpty(); ++n)
    request.run_dir = new_run_defaults_.run_dir + QStringLiteral("-%1").arg(n);
  dialog->set_request(request);
  connect(dialog, &QDialog::accepted, this, [this, dialog] {
    new_run_defaults_ = dialog->request();
    start_run(new_run_defaults_.params());
  });
  dialog->open();
  return dialog;
}

void RunsPage::start_run(const QString& run_json) {
  start_run(json{{"config", run_json.toStdString()}});
}

void RunsPage::start_run(const json& params) {
  client_->call("run.start", params, [this](const json& r, const protocol::RpcError* e) {
    if (e) return show_status(tr("The run did not start: %1").arg(QString::fromStdString(e->message)), true);
    model_->upsert(r.at("run"));
    table_->clearSelection();
    select_run(r.at("run").value("id", qint64(0)));
    show_status(tr("Run %1 started in %2").arg(r.at("run").value("id", qint64(0)))
                    .arg(QString::fromStdString(r.at("run").value("run_dir", ""))));
  });
}

void RunsPage::attach_run(const QString& run_dir) {
  client_->call("run.attach", {{"run_dir", run_dir.toStdString()}}, [this](const json& r, const protocol::RpcError* e) {
    if (e) return show_status(tr("Cannot attach: %1").arg(QString::fromStdString(e->message)), true);
    model_->upsert(r.at("run"));
    select_run(r.at("run").value("id", qint64(0)));
  });
}

void RunsPage::control(const QString& command) {
  for (qint64 id : selected_runs()) {
    // Resume on a run that has ended (stopped or failed) starts it again from its last
    // checkpoint; on a paused one it lets it go on.
    const QString state = model_->state_of(id);
    const bool ended = state == QLatin1String("stopped") || state == QLatin1String("failed");
    const QString method = command == QLatin1String("resume") && ended
                               ? QStringLiteral("run.resume_from_checkpoint")
                               : QStringLiteral("run.") + command;
    send_control(id, method, command, 20);
  }
}

void RunsPage::send_control(qint64 id, const QString& method, const QString& command, int retries) {
  client_->call(method, {{"id", id}}, [this, id, method, command, retries](const json& r, const protocol::RpcError* e) {
    // A run that has just stopped may still be ending its processes: the backend says when to
    // ask again (data.retry_after_ms), and the page does, rather than the person.
    if (e && retries > 0 && e->data.is_object() && e->data.contains("retry_after_ms")) {
      show_status(tr("Run %1: waiting for its last processes to end…").arg(id));
      QTimer::singleShot(e->data.value("retry_after_ms", 500), this,
                         [this, id, method, command, retries] { send_control(id, method, command, retries - 1); });
      return;
    }
    if (e) return show_status(tr("Run %1: %2").arg(id).arg(QString::fromStdString(e->message)), true);
    model_->upsert(r.at("run"));
    show_status(tr("Run %1: %2 asked").arg(id).arg(command));
  });
}

bool RunsPage::export_to(const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  bool ok = false;
  if (suffix == QLatin1String("csv")) ok = export_csv(path);
  else if (suffix == QLatin1String("svg")) ok = plot_->save_svg(path);
  else if (suffix == QLatin1String("pdf")) ok = plot_->plot()->savePdf(path);
  else if (suffix == QLatin1String("png")) ok = plot_->plot()->savePng(path);
  else return show_status(tr("Export: %1 — choose a .png, .svg, .pdf or .csv name").arg(path), true), false;
  show_status(ok ? tr("Exported %1").arg(path) : tr("Could not write %1").arg(path), !ok);
  return ok;
}

bool RunsPage::export_csv(const QString& path) const {
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Text)) return false;
  QTextStream out(&f);
  out << "curve,x,y\n";
  QCustomPlot* p = plot_->plot();
  for (int g = 0; g < p->graphCount(); ++g) {
    QCPGraph* graph = p->graph(g);
    const QString name = graph->name().isEmpty() ? QStringLiteral("raw") : graph->name();
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it)
      out << '"' << name << "\"," << QString::number(it->key, 'g', 17) << ','
          << QString::number(it->value, 'g', 17) << '\n';
  }
  return true;
}

QString RunsPage::status_text() const { return status_->text(); }

void RunsPage::show_status(const QString& text, bool error) {
  status_->setText(text);
  status_->setStyleSheet(error ? QStringLiteral("QLabel { color: #c01c28; }") : QString());
}

}  // namespace glossa::app
