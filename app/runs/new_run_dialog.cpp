#include "app/runs/new_run_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>

#include "app/backend_client.h"
#include "app/path_row.h"

namespace glossa::app {

using nlohmann::json;

namespace {

const char* const kPresets[] = {"eeve", "redwhale", "chinese_llama", "from_scratch_llammlein_120m",
                                "from_scratch_llammlein_1b"};
constexpr int kFileMode = -1;  // start_from_ data of "a RUN.json file"

QString q(const json& j, const char* key) {
  const json v = j.value(key, json());
  if (v.is_string()) return QString::fromStdString(v.get<std::string>());
  if (v.is_number_integer()) return QLocale().toString(v.get<qint64>());
  if (v.is_number()) return QString::number(v.get<double>(), 'g', 3);
  return QStringLiteral("–");
}

QString trainable_of(const json& stage) {
  QStringList parts;
  for (const json& t : stage.value("trainable", json::array()))
    if (t.is_string()) parts << QString::fromStdString(t.get<std::string>());
  return parts.join(QStringLiteral(", "));
}

QString budget_of(const json& stage) {
  if (stage.value("budget_steps", 0) > 0) return QObject::tr("%1 steps").arg(q(stage, "budget_steps"));
  return QObject::tr("%1 tokens").arg(q(stage, "budget_tokens"));
}

QSpinBox* override_box(int max, const QString& tip) {
  auto* box = new QSpinBox;
  box->setRange(0, max);
  box->setSpecialValueText(QObject::tr("preset's"));
  box->setToolTip(tip);
  return box;
}

}  // namespace

QString plan_markdown(const json& p) {
  const json& m = p.value("model", json::object());
  const qint64 rows = m.value("vocab_size", qint64(0)), base = m.value("base_vocab", qint64(0));
  QString md = QObject::tr("**Model** %1, %2 layers, hidden %3: %4 M parameters (%5). ")
                   .arg(q(m, "architecture"), q(m, "layers"), q(m, "hidden_size"))
                   .arg(m.value("parameters", qint64(0)) / 1e6, 0, 'f', 2)
                   .arg(m.value("init", "") == "random" ? QObject::tr("random init") : q(m, "path"));
  md += rows > base ? QObject::tr("Vocabulary %1 → %2 rows (%3 new).\n\n")
                          .arg(QLocale().toString(base), QLocale().toString(rows),
                               QLocale().toString(rows - base))
                    : QObject::tr("Vocabulary %1 rows.\n\n").arg(QLocale().toString(rows));
  md += QObject::tr("**Runs on** %1, %2 rank(s), in %3.\n\n")
            .arg(p.value("device", "cpu") == "cuda" ? QObject::tr("CUDA GPUs") : QObject::tr("the CPU"))
            .arg(p.value("world_size", 1))
            .arg(q(p.value("config", json::object()), "dtype"));
  if (p.value("run_dir_in_use", false))
    md += QObject::tr("**The run folder is used by a run that has not ended.**\n\n");
  md += QObject::tr("| # | stage | trains | budget | sequence | micro-batch | peak lr |\n|---|---|---|---|---|---|---|\n");
  int index = 0;
  for (const json& s : p.value("stages", json::array()))
    md += QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 | %7 |\n")
              .arg(++index)
              .arg(q(s, "name"), trainable_of(s), budget_of(s), q(s, "seq_len"), q(s, "micro_batch"),
                   q(s, "peak_lr"));
  md += QObject::tr("\n**Held-out sets** ");
  QStringList sets;
  for (const json& h : p.value("heldout", json::array()))
    sets << QObject::tr("%1 (%2 tokens)").arg(q(h, "name"), q(h, "tokens"));
  md += sets.isEmpty() ? QObject::tr("none: no held-out curves") : sets.join(QStringLiteral(", "));
  md += QObject::tr("\n\n**Memory per rank**\n\n");
  md += QString::fromStdString(p.value("memory", json::object()).value("table", ""));
  for (const json& w : p.value("memory", json::object()).value("not_fitting", json::array()))
    md += QStringLiteral("\n- **%1**").arg(QString::fromStdString(w.get<std::string>()));
  md += QObject::tr("\n\n**Effective configuration**\n\n") + QString::fromStdString(p.value("table", ""));
  return md;
}

NewRunDialog::NewRunDialog(BackendClient* client, QWidget* parent)
    : QDialog(parent), client_(client), plan_view_(new QTextBrowser),
      buttons_(new QDialogButtonBox(QDialogButtonBox::Cancel)), debounce_(new QTimer(this)) {
  setWindowTitle(tr("New training run"));
  start_ = buttons_->addButton(tr("Start"), QDialogButtonBox::AcceptRole);
  start_->setEnabled(false);
  plan_view_->setOpenLinks(false);
  auto* split = new QSplitter;
  split->addWidget(build_form());
  split->addWidget(plan_view_);
  split->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(split, 1);
  layout->addWidget(buttons_);
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  debounce_->setSingleShot(true);
  debounce_->setInterval(300);  // one run.plan per pause in typing
  connect(debounce_, &QTimer::timeout, this, &NewRunDialog::ask_plan);
  resize(1180, 720);
  schedule_plan();
}

QLineEdit* NewRunDialog::path_row(const QString& label, bool folder, QFormLayout* form) {
  QLineEdit* edit = add_path_row(this, form, label, folder ? PathKind::kFolder : PathKind::kFile);
  connect(edit, &QLineEdit::textChanged, this, &NewRunDialog::schedule_plan);
  return edit;
}

QWidget* NewRunDialog::build_form() {
  auto* form = new QFormLayout;
  start_from_ = new QComboBox;
  for (const char* p : kPresets) start_from_->addItem(tr("preset %1").arg(QLatin1String(p)), QLatin1String(p));
  start_from_->addItem(tr("a RUN.json file"), kFileMode);
  form->addRow(tr("Start from:"), start_from_);
  config_file_ = path_row(tr("RUN.json:"), false, form);
  run_dir_ = path_row(tr("Run folder:"), true, form);
  model_ = path_row(tr("Base model:"), true, form);
  model_->setToolTip(tr("Hugging Face folder (config.json + safetensors); empty for a random init"));
  tokenizer_ = path_row(tr("Tokenizer:"), true, form);
  token_map_ = path_row(tr("New-token map:"), false, form);
  token_map_->setToolTip(tr("new_token_map.jsonl of the vocabulary session: rows to add and how to start them"));
  sources_ = new QPlainTextEdit;
  sources_->setPlaceholderText(tr("one shard prefix per line, optionally a weight: /data/ko 0.9"));
  heldout_ = new QPlainTextEdit;
  heldout_->setPlaceholderText(tr("one held-out shard prefix per line (target language and English)"));
  for (QPlainTextEdit* e : {sources_, heldout_}) {
    e->setMaximumHeight(70);
    connect(e, &QPlainTextEdit::textChanged, this, &NewRunDialog::schedule_plan);
  }
  form->addRow(tr("Training shards:"), sources_);
  form->addRow(tr("Held-out sets:"), heldout_);
  steps_ = override_box(10'000'000, tr("Optimizer steps of every stage"));
  seq_len_ = override_box(1'000'000, tr("Tokens per row (also the held-out window)"));
  micro_batch_ = override_box(100'000, tr("Rows per rank per micro-step"));
  eval_every_ = override_box(10'000'000, tr("Held-out evaluation every N steps"));
  lr_ = new QDoubleSpinBox;
  lr_->setDecimals(6);
  lr_->setRange(0, 1);
  lr_->setSingleStep(1e-4);
  lr_->setSpecialValueText(tr("preset's"));
  auto* overrides = new QFormLayout;
  overrides->addRow(tr("Steps per stage:"), steps_);
  overrides->addRow(tr("Sequence length:"), seq_len_);
  overrides->addRow(tr("Micro-batch:"), micro_batch_);
  overrides->addRow(tr("Peak learning rate:"), lr_);
  overrides->addRow(tr("Evaluate every:"), eval_every_);
  auto* group = new QGroupBox(tr("Every stage"));
  group->setLayout(overrides);
  form->addRow(group);
  device_ = new QComboBox;
  device_->addItem(tr("CPU"), QStringLiteral("cpu"));
  device_->addItem(tr("CUDA GPUs"), QStringLiteral("cuda"));
  ranks_ = new QSpinBox;
  ranks_->setRange(1, 64);
  ranks_->setToolTip(tr("Processes: one per GPU, or CPU ranks joined by Gloo"));
  gpus_ = new QLineEdit;
  gpus_->setPlaceholderText(tr("GPUs, e.g. 0,1 (default: the first N)"));
  threads_ = override_box(256, tr("Torch threads per rank"));
  threads_->setSpecialValueText(tr("torch's default"));
  auto* where = new QHBoxLayout;
  where->addWidget(device_);
  where->addWidget(new QLabel(tr("ranks")));
  where->addWidget(ranks_);
  where->addWidget(gpus_, 1);
  form->addRow(tr("Runs on:"), where);
  form->addRow(tr("Threads:"), threads_);
  dtype_ = new QComboBox;
  dtype_->addItem(tr("default: bf16-mixed on GPUs, float32 on the CPU"), QString());
  dtype_->addItem(tr("float32"), QStringLiteral("float32"));
  dtype_->addItem(tr("bf16-mixed (float32 masters)"), QStringLiteral("bf16-mixed"));
  dtype_->addItem(tr("bfloat16, pure (less memory; small updates are lost)"), QStringLiteral("bfloat16"));
  dtype_->setToolTip(tr("docs/run-config.md, \"Precision\""));
  form->addRow(tr("Precision:"), dtype_);
  for (QSpinBox* b : {steps_, seq_len_, micro_batch_, eval_every_, ranks_, threads_})
    connect(b, &QSpinBox::valueChanged, this, &NewRunDialog::schedule_plan);
  connect(lr_, &QDoubleSpinBox::valueChanged, this, &NewRunDialog::schedule_plan);
  connect(gpus_, &QLineEdit::textChanged, this, &NewRunDialog::schedule_plan);
  for (QComboBox* c : {start_from_, device_, dtype_})
    connect(c, &QComboBox::currentIndexChanged, this, &NewRunDialog::schedule_plan);
  auto* widget = new QWidget;
  auto* column = new QVBoxLayout(widget);
  column->setContentsMargins(0, 0, 0, 0);
  column->addLayout(form);
  column->addStretch(1);  // the form keeps its height; the plan pane takes the rest
  widget->setMinimumWidth(520);
  return widget;
}

void NewRunDialog::set_request(const NewRunRequest& r) {
  start_from_->setCurrentIndex(r.config_file.isEmpty() ? std::max(0, start_from_->findData(r.preset))
                                                       : start_from_->findData(kFileMode));
  config_file_->setText(r.config_file);
  run_dir_->setText(r.run_dir);
  model_->setText(r.model);
  tokenizer_->setText(r.tokenizer);
  token_map_->setText(r.new_token_map);
  QStringList lines;
  for (const DataSource& s : r.sources) lines << QStringLiteral("%1 %2").arg(s.prefix).arg(s.weight);
  sources_->setPlainText(lines.join(QLatin1Char('\n')));
  heldout_->setPlainText(r.heldout.join(QLatin1Char('\n')));
  steps_->setValue(int(r.steps_per_stage));
  seq_len_->setValue(int(r.seq_len));
  micro_batch_->setValue(int(r.micro_batch));
  lr_->setValue(r.peak_lr);
  eval_every_->setValue(int(r.eval_every_steps));
  threads_->setValue(int(r.threads));
  device_->setCurrentIndex(std::max(0, device_->findData(r.device)));
  dtype_->setCurrentIndex(std::max(0, dtype_->findData(r.dtype)));
  ranks_->setValue(r.ranks);
  QStringList gpus;
  for (int g : r.gpus) gpus << QString::number(g);
  gpus_->setText(gpus.join(QLatin1Char(',')));
  schedule_plan();
}

NewRunRequest NewRunDialog::request() const {
  NewRunRequest r;
  if (start_from_->currentData() == kFileMode) r.config_file = config_file_->text().trimmed();
  else r.preset = start_from_->currentData().toString();
  r.run_dir = run_dir_->text().trimmed();
  r.model = model_->text().trimmed();
  r.tokenizer = tokenizer_->text().trimmed();
  r.new_token_map = token_map_->text().trimmed();
  for (const QString& line : sources_->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
    const QStringList f = line.simplified().split(QLatin1Char(' '));
    if (f.isEmpty() || f.front().isEmpty()) continue;
    r.sources.push_back({f.front(), f.size() > 1 ? f[1].toDouble() : 1.0});
  }
  for (const QString& line : heldout_->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts))
    if (!line.trimmed().isEmpty()) r.heldout << line.trimmed();
  r.steps_per_stage = steps_->value();
  r.seq_len = seq_len_->value();
  r.micro_batch = micro_batch_->value();
  r.peak_lr = lr_->value();
  r.eval_every_steps = eval_every_->value();
  r.threads = threads_->value();
  r.device = device_->currentData().toString();
  r.dtype = dtype_->currentData().toString();
  r.ranks = ranks_->value();
  for (const QString& g : gpus_->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) r.gpus << g.trimmed().toInt();
  return r;
}

void NewRunDialog::schedule_plan() {
  const bool file = start_from_->currentData() == kFileMode;
  config_file_->setEnabled(file);
  for (QWidget* w : std::initializer_list<QWidget*>{run_dir_, model_, tokenizer_, token_map_, sources_, heldout_,
                                                    steps_, seq_len_, micro_batch_, lr_, eval_every_, threads_, dtype_})
    w->setEnabled(!file);
  gpus_->setEnabled(device_->currentData() == QLatin1String("cuda"));
  planned_ = false;
  ++generation_;  // answers to an earlier request are dropped
  start_->setEnabled(false);
  debounce_->start();
}

void NewRunDialog::ask_plan() {
  const NewRunRequest r = request();
  if (const QString problem = r.problem(); !problem.isEmpty()) return show_error(problem);
  plan_view_->setMarkdown(tr("*Checking with the backend…*"));
  const int generation = generation_;
  client_->call(QStringLiteral("run.plan"), r.params(),
                [this, generation](const json& plan, const protocol::RpcError* e) {
                  if (generation != generation_) return;
                  if (e) return show_error(QString::fromStdString(e->message));
                  show_plan(plan);
                });
}

void NewRunDialog::show_plan(const json& plan) {
  plan_ = plan;
  planned_ = !plan.value("run_dir_in_use", false);
  plan_view_->setMarkdown(plan_markdown(plan));
  start_->setEnabled(planned_);
  Q_EMIT planChecked(planned_);
}

void NewRunDialog::show_error(const QString& message) {
  plan_ = json();
  planned_ = false;
  plan_view_->setMarkdown(tr("**This run cannot start yet.**\n\n") + message.toHtmlEscaped());
  Q_EMIT planChecked(false);
}

QString NewRunDialog::plan_text() const { return plan_view_->toPlainText(); }

}  // namespace glossa::app
