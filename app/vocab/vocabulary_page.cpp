#include "app/vocab/vocabulary_page.h"

#include <QAction>
#include <algorithm>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QUndoStack>
#include <QVBoxLayout>

#include "app/backend_client.h"
#include "app/icons.h"
#include "app/json_fields.h"
#include "app/vocab/candidate_filter_proxy.h"
#include "app/vocab/candidate_table_model.h"
#include "app/vocab/curation_commands.h"
#include "app/vocab/expansion_request.h"
#include "app/vocab/new_expansion_dialog.h"
#include "app/vocab/preview_panel.h"
#include "widgets/rank_frequency_plot.h"

namespace glossa::app {

using nlohmann::json;

namespace {

constexpr qint64 kPageRows = 5000;
constexpr int kMaxMarked = 5000;  // selected rows drawn on the curve

QString error_text(const protocol::RpcError* e) { return QString::fromStdString(e->message); }

}  // namespace

VocabularyPage::VocabularyPage(BackendClient* client, QUndoStack* undo, QWidget* parent)
    : QWidget(parent), client_(client), undo_(undo), model_(new CandidateTableModel(this)),
      proxy_(new CandidateFilterProxy(this)), table_(new QTableView), plot_(new RankFrequencyPlot),
      sessions_(new QComboBox), status_filter_(new QComboBox), script_filter_(new QComboBox),
      min_count_(new QSpinBox), max_count_(new QSpinBox), pattern_(new QLineEdit),
      search_(new QLineEdit), reason_(new QLineEdit), hidden_size_(new QSpinBox),
      summary_(new QLabel), status_(new QLabel), iterate_(new QPushButton(themed_icon("view-refresh"), tr("Iterate with these decisions"))),
      new_expansion_(new QPushButton(themed_icon("document-new"), tr("New expansion…"))), preview_(new PreviewPanel),
      preview_timer_(new QTimer(this)) {
  preview_timer_->setSingleShot(true);
  preview_timer_->setInterval(150);
  connect(preview_timer_, &QTimer::timeout, this, &VocabularyPage::request_preview);
  connect(preview_, &PreviewPanel::textEdited, this, &VocabularyPage::schedule_preview);
  proxy_->setSourceModel(model_);
  table_->setModel(proxy_);
  table_->setSortingEnabled(true);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 6);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->setAlternatingRowColors(true);

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Session:")));
  top->addWidget(sessions_, 1);
  top->addWidget(iterate_);
  top->addWidget(new_expansion_);
  iterate_->setToolTip(tr("Run the expansion again with this minimum frequency and your overrides "
                          "as forced lists, to a fixed point; the result opens as a new session"));

  auto* left = new QWidget;
  auto* left_layout = new QVBoxLayout(left);
  left_layout->setContentsMargins(0, 0, 0, 0);
  left_layout->addWidget(build_filters());
  left_layout->addWidget(table_, 1);
  auto* actions = new QHBoxLayout;
  for (const auto& [label, action, keys, icon] :
       {std::tuple{tr("Include"), QStringLiteral("include"), QKeySequence(tr("Ctrl+I")), "list-add"},
        std::tuple{tr("Exclude"), QStringLiteral("exclude"), QKeySequence(tr("Ctrl+E")), "list-remove"},
        std::tuple{tr("Reset to rule"), QStringLiteral("reset"), QKeySequence(tr("Ctrl+R")), "edit-undo"}}) {
    auto* button = new QPushButton(themed_icon(icon), label);
    button->setToolTip(tr("%1 the selected tokens (%2)").arg(label, keys.toString(QKeySequence::NativeText)));
    auto* shortcut = new QAction(label, this);
    shortcut->setShortcut(keys);
    shortcut->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    addAction(shortcut);
    const QString a = action;
    connect(button, &QPushButton::clicked, this, [this, a] { decide_selected(a); });
    connect(shortcut, &QAction::triggered, this, [this, a] { decide_selected(a); });
    actions->addWidget(button);
  }
  reason_->setPlaceholderText(tr("Reason (saved with the decision)"));
  actions->addWidget(reason_, 1);
  left_layout->addLayout(actions);
  // The preview under the table, in a splitter: the person decides how much of each to see.
  auto* left_split = new QSplitter(Qt::Vertical);
  left_split->addWidget(left);
  left_split->addWidget(preview_);
  left_split->setStretchFactor(0, 4);
  left_split->setStretchFactor(1, 1);

  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(left_split);
  split->addWidget(build_side());
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(split, 1);
  layout->addWidget(status_);
  status_->setWordWrap(true);

  connect(sessions_, &QComboBox::activated, this,
          [this](int i) { open_session(sessions_->itemData(i).toLongLong()); });
  connect(iterate_, &QPushButton::clicked, this, &VocabularyPage::iterate);
  connect(new_expansion_, &QPushButton::clicked, this, &VocabularyPage::new_expansion);
  connect(plot_, &RankFrequencyPlot::thresholdDragged, this, [this](double v) {
    if (drag_ == 0) drag_ = int(QDateTime::currentMSecsSinceEpoch() & 0x3fffffff) | 1;
    undo_->push(new MinFreqCommand(model_, model_->min_freq(), qint64(v), drag_,
                                   [this](qint64 value) { on_rule_changed(value); }));
  });
  connect(plot_, &RankFrequencyPlot::thresholdReleased, this, [this] { drag_ = 0; });
  connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          &VocabularyPage::refresh_marks);
  connect(client_, &BackendClient::notification, this, &VocabularyPage::on_job_finished);
  client_->subscribe({{"jobs", true}});
  refresh_summary();
}

QWidget* VocabularyPage::build_filters() {
  auto* box = new QWidget;
  auto* row = new QHBoxLayout(box);
  row->setContentsMargins(0, 0, 0, 0);
  status_filter_->addItem(tr("Any status"), QString());
  for (const char* s : {"included", "excluded", "forced", "forced out", "single character", "candidate"})
    status_filter_->addItem(QString::fromLatin1(s), QString::fromLatin1(s));
  script_filter_->addItem(tr("Any script"), QString());
  for (const char* s : {"hangul", "latin", "han", "kana", "cyrillic", "arabic", "other"})
    script_filter_->addItem(QString::fromLatin1(s), QString::fromLatin1(s));
  min_count_->setRange(0, std::numeric_limits<int>::max());
  max_count_->setRange(0, std::numeric_limits<int>::max());
  max_count_->setSpecialValueText(tr("no limit"));
  min_count_->setPrefix(tr("freq ≥ "));
  max_count_->setPrefix(tr("≤ "));
  pattern_->setPlaceholderText(tr("Regular expression"));
  search_->setPlaceholderText(tr("Search tokens"));
  search_->setClearButtonEnabled(true);
  for (QWidget* w : std::initializer_list<QWidget*>{search_, pattern_, status_filter_, script_filter_,
                                                    min_count_, max_count_})
    row->addWidget(w, w == search_ || w == pattern_ ? 2 : 1);
  connect(status_filter_, &QComboBox::currentIndexChanged, this,
          [this] { proxy_->set_status(status_filter_->currentData().toString()); });
  connect(script_filter_, &QComboBox::currentIndexChanged, this,
          [this] { proxy_->set_script(script_filter_->currentData().toString()); });
  const auto range = [this] {
    proxy_->set_frequency_range(min_count_->value(), max_count_->value() == 0 ? -1 : max_count_->value());
  };
  connect(min_count_, &QSpinBox::valueChanged, this, range);
  connect(max_count_, &QSpinBox::valueChanged, this, range);
  connect(search_, &QLineEdit::textChanged, proxy_, &CandidateFilterProxy::set_search);
  connect(pattern_, &QLineEdit::textChanged, this, [this](const QString& p) {
    const bool ok = proxy_->set_pattern(p);
    pattern_->setStyleSheet(ok ? QString() : QStringLiteral("QLineEdit { color: #c01c28; }"));
    pattern_->setToolTip(ok ? QString() : tr("Not a valid regular expression: nothing is filtered"));
  });
  return box;
}

QWidget* VocabularyPage::build_side() {
  auto* side = new QWidget;
  auto* layout = new QVBoxLayout(side);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_, 1);
  auto* form = new QFormLayout;
  hidden_size_->setRange(64, 65536);
  hidden_size_->setSingleStep(64);
  hidden_size_->setValue(4096);  // Llama 2 7B
  hidden_size_->setToolTip(tr("The model's hidden size: each new token adds one input and one "
                              "output embedding row of this width"));
  form->addRow(tr("Model hidden size:"), hidden_size_);
  layout->addLayout(form);
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(summary_);
  connect(hidden_size_, &QSpinBox::valueChanged, this, &VocabularyPage::refresh_summary);
  return side;
}

void VocabularyPage::set_project(const json& project) {
  project_ = project;
  sessions_->clear();
  for (const json& s : project.value("vocab_sessions", json::array())) {
    const json& o = s.value("options", json::object());
    const QString label = tr("#%1 · %2 · min freq %3%4")
                              .arg(s.value("id", qint64(0)))
                              .arg(json_text(s, "created_at"))
                              .arg(o.is_object() ? o.value("min_freq", qint64(0)) : 0)
                              .arg(s.value("finished", false) ? QString() : tr(" · running"));
    sessions_->addItem(label, QVariant::fromValue(s.value("id", qint64(0))));
  }
  iterate_->setEnabled(sessions_->count() > 0);
  if (sessions_->count() > 0) open_session(sessions_->itemData(0).toLongLong());
  else show_status(tr("This project has no vocabulary session yet: run an expansion first."));
}

void VocabularyPage::open_session(qint64 session) {
  session_ = session;
  ++generation_;
  sessions_->setCurrentIndex(sessions_->findData(QVariant::fromValue(session)));
  undo_->clear();  // the commands point into the rows being replaced
  model_->clear(0);
  show_status(tr("Loading session %1…").arg(session));
  request_page(generation_, session, 0);
}

void VocabularyPage::request_page(int generation, qint64 session, qint64 offset) {
  const json params = {{"project", project_.value("path", "")}, {"session", session},
                       {"offset", offset}, {"limit", kPageRows}};
  client_->call("vocab.candidates", params,
                [this, generation, session, offset](const json& r, const protocol::RpcError* e) {
    if (generation != generation_) return;  // the page was (re)opened meanwhile
    if (e) return show_status(tr("Could not load the candidates: %1").arg(error_text(e)), true);
    if (offset == 0) model_->clear(r.value("min_freq", qint64(0)));
    model_->append_page(r);
    const qint64 total = r.value("total", qint64(0));
    if (model_->rowCount() < total && !r.at("rows").empty()) return request_page(generation, session, model_->rowCount());
    after_load();
  });
}

void VocabularyPage::after_load() {
  model_->prepare_token_order();  // once, so sorting by token is as quick as by frequency
  plot_->set_curve(model_->curve());
  plot_->set_threshold(double(model_->min_freq()));
  table_->sortByColumn(CandidateTableModel::kFrequency, Qt::DescendingOrder);
  table_->resizeColumnsToContents();
  // The base pieces can be long: capped, so the reason (the last column) stays in view.
  table_->setColumnWidth(CandidateTableModel::kBasePieces,
                         std::min(table_->columnWidth(CandidateTableModel::kBasePieces),
                                  table_->fontMetrics().horizontalAdvance(QLatin1Char('x')) * 28));
  refresh_summary();
  show_status(tr("%n candidate token(s). Drag the red line to change the minimum frequency; "
                 "select rows to see them on the curve.", nullptr, model_->rowCount()));
  Q_EMIT loaded(model_->rowCount());
}

void VocabularyPage::set_min_freq(qint64 value) {
  undo_->push(new MinFreqCommand(model_, model_->min_freq(), value, 0,
                                 [this](qint64 v) { on_rule_changed(v); }));
}

void VocabularyPage::on_rule_changed(qint64 min_freq) {
  plot_->set_threshold(double(min_freq));
  if (!status_filter_->currentData().toString().isEmpty()) proxy_->refilter();
  refresh_summary();
}

void VocabularyPage::decide_selected(const QString& action) {
  QStringList pieces;
  for (const QModelIndex& i : table_->selectionModel()->selectedRows())
    pieces << model_->row(proxy_->mapToSource(i).row()).piece;
  if (pieces.isEmpty()) return show_status(tr("Select the tokens to %1 first.").arg(action));
  undo_->push(new OverrideCommand(model_, pieces, action, reason_->text(),
                                  [this](const QStringList& p, const QString& a, const QString& r) {
                                    send_decision(p, a, r);
                                  }));
  refresh_summary();
}

void VocabularyPage::send_decision(const QStringList& pieces, const QString& action,
                                   const QString& reason) {
  json list = json::array();
  for (const QString& p : pieces) list.push_back(p.toStdString());
  client_->call("vocab.decide",
                {{"project", project_.value("path", "")}, {"session", session_}, {"pieces", list},
                 {"action", action.toStdString()}, {"reason", reason.toStdString()}},
                [this](const json&, const protocol::RpcError* e) {
                  if (e) show_status(tr("Not saved: %1").arg(error_text(e)), true);
                });
  if (!status_filter_->currentData().toString().isEmpty()) proxy_->refilter();
  refresh_summary();
}

QString VocabularyPage::summary() const { return summary_->text(); }
QString VocabularyPage::status_text() const { return status_->text(); }

void VocabularyPage::refresh_summary() {
  const qint64 n = model_->included_count();
  const qint64 h = hidden_size_->value();
  const qint64 params = 2 * n * h;  // one input and one output row per token (untied)
  const QLocale l;
  summary_->setText(tr("<b>%1 of %2 tokens included</b> (minimum frequency %3): "
                       "%1 new input and output embedding rows, 2 × %1 × %4 = "
                       "<b>%5 M parameters</b>, %6 MiB in bf16, %7 MiB of AdamW state.")
                        .arg(l.toString(n), l.toString(model_->rowCount()),
                             l.toString(model_->min_freq()), l.toString(h),
                             l.toString(double(params) / 1e6, 'f', 1),
                             l.toString(double(params) * 2 / (1 << 20), 'f', 1),
                             l.toString(double(params) * 8 / (1 << 20), 'f', 1)));
  schedule_preview();
}

void VocabularyPage::schedule_preview() {
  if (session_ > 0 && model_->rowCount() > 0) preview_timer_->start();
}

void VocabularyPage::request_preview() {
  json included = json::array();
  for (int i = 0; i < model_->rowCount(); ++i)
    if (model_->counts_as_included(i)) included.push_back(model_->row(i).piece.toStdString());
  const int request = ++preview_request_;
  preview_->show_waiting(tr("Measuring the merged tokenizer on the sample…"));
  client_->call("vocab.preview",
                {{"project", project_.value("path", "")}, {"session", session_}, {"included", included},
                 {"text", preview_->text().toStdString()}},
                [this, request](const json& r, const protocol::RpcError* e) {
                  if (request != preview_request_) return;  // a newer change is on its way
                  if (e) return preview_->show_waiting(tr("No preview: %1").arg(error_text(e)));
                  preview_->show_result(r);
                  Q_EMIT previewUpdated(r);
                });
}

void VocabularyPage::refresh_marks() {
  std::vector<std::pair<double, double>> points;
  for (const QModelIndex& i : table_->selectionModel()->selectedRows()) {
    const auto& r = model_->row(proxy_->mapToSource(i).row());
    if (r.rank > 0 && r.count > 0) points.emplace_back(double(r.rank), double(r.count));
    if (int(points.size()) >= kMaxMarked) break;
  }
  plot_->set_marked(points);
}

void VocabularyPage::show_status(const QString& text, bool error) {
  status_->setText(text);
  status_->setStyleSheet(error ? QStringLiteral("QLabel { color: #c01c28; }") : QString());
  if (error) Q_EMIT failed(text);
}

void VocabularyPage::iterate() {
  json session_options;
  for (const json& s : project_.value("vocab_sessions", json::array()))
    if (s.value("id", qint64(0)) == session_) session_options = s.value("options", json::object());
  const QString path = QString::fromStdString(project_.value("path", ""));
  const QString out = QFileInfo(path).absolutePath() + QStringLiteral("/vocab/session-%1-%2")
                          .arg(session_).arg(QDateTime::currentDateTimeUtc().toString("yyyyMMdd-HHmmss"));
  client_->call("vocab.overrides", {{"project", path.toStdString()}, {"session", session_}},
                [this, session_options, out, path](const json& r, const protocol::RpcError* e) {
    if (e) return show_status(tr("Could not read the overrides: %1").arg(error_text(e)), true);
    json options;
    try {
      options = expansion_job_options(session_options, model_->min_freq(), r.at("overrides"), out, path);
    } catch (const std::exception& x) {
      return show_status(tr("Cannot iterate: %1").arg(QString::fromUtf8(x.what())), true);
    }
    run_jobs({{"vocab.expand", options}});
  });
}

void VocabularyPage::new_expansion() {
  const QString path = QString::fromStdString(project_.value("path", ""));
  if (path.isEmpty()) return show_status(tr("Open or create a project first (File menu)."), true);
  NewExpansionDialog dialog(path, this);
  if (dialog.exec() != QDialog::Accepted) return;
  std::vector<std::pair<std::string, json>> jobs;
  if (const json train = dialog.train_options(); !train.is_null()) jobs.emplace_back("tokenizer.train", train);
  jobs.emplace_back("vocab.expand", dialog.expand_options());
  run_jobs(std::move(jobs));
}

void VocabularyPage::run_jobs(std::vector<std::pair<std::string, json>> jobs) {
  if (jobs.empty()) return;
  pending_jobs_ = std::move(jobs);
  auto [name, options] = pending_jobs_.front();
  pending_jobs_.erase(pending_jobs_.begin());
  iterate_->setEnabled(false);
  new_expansion_->setEnabled(false);
  client_->call("job.submit", {{"job", name}, {"options", options}},
                [this, name](const json& job, const protocol::RpcError* e) {
    if (e) {
      iterate_->setEnabled(true);
      new_expansion_->setEnabled(true);
      return show_status(tr("%1 was refused: %2").arg(QString::fromStdString(name), error_text(e)), true);
    }
    job_ = job.at("job").value("id", qint64(0));
    show_status(tr("Running %1 (job %2)…").arg(QString::fromStdString(name)).arg(job_));
  });
}

void VocabularyPage::on_job_finished(const QString& method, const json& params) {
  if (job_ == 0 || params.value("id", qint64(-1)) != job_) return;
  if (method == QLatin1String("job.progress"))
    return show_status(tr("Job %1: %2 %3").arg(job_).arg(json_text(params, "phase"), json_text(params, "message")));
  if (method == QLatin1String("job.failed")) {
    job_ = 0;
    pending_jobs_.clear();
    iterate_->setEnabled(true);
    new_expansion_->setEnabled(true);
    return show_status(tr("The job failed: %1").arg(json_text(params.value("error", json::object()), "message")), true);
  }
  if (method != QLatin1String("job.finished")) return;
  job_ = 0;
  if (!pending_jobs_.empty()) return run_jobs(std::move(pending_jobs_));
  new_expansion_->setEnabled(true);
  const qint64 next = params.value("result", json::object()).value("session_id", qint64(0));
  client_->call("project.open", {{"path", project_.value("path", "")}},
                [this, next](const json& r, const protocol::RpcError* e) {
    if (e) return show_status(tr("Could not reopen the project: %1").arg(error_text(e)), true);
    set_project(r.at("project"));  // opens the newest session, which is the new one
    if (next > 0 && session_ != next) open_session(next);
    Q_EMIT iterationFinished(session_);
  });
}

}  // namespace glossa::app
