#include "app/vocab/new_expansion_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "app/path_row.h"

namespace glossa::app {

using nlohmann::json;

NewExpansionDialog::NewExpansionDialog(const QString& project, QWidget* parent)
    : QDialog(parent), project_(project), train_(new QCheckBox(tr("Train one from the corpora first"))),
      train_size_(new QSpinBox), corpora_(new QListWidget), script_(new QComboBox),
      min_freq_(new QSpinBox), char_min_freq_(new QSpinBox), problem_(new QLabel),
      buttons_(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel)) {
  setWindowTitle(tr("New vocabulary expansion"));
  out_dir_ = QFileInfo(project).absolutePath() + QStringLiteral("/vocab/expansion-") +
             QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss"));
  auto* form = new QFormLayout;
  const QString models = tr("Tokenizers (*.model *.bin);;All files (*)");
  base_ = file_row(tr("Base tokenizer:"), models, form);
  base_->setToolTip(tr("The model's tokenizer (e.g. Llama 2's tokenizer.model): its ids are kept"));
  intermediate_ = file_row(tr("Intermediate tokenizer:"), models, form);
  intermediate_->setToolTip(tr("A tokenizer trained on the new language: its pieces are the candidates"));
  train_size_->setRange(500, 200000);
  train_size_->setValue(8000);
  train_size_->setPrefix(tr("vocabulary "));
  auto* train_row = new QHBoxLayout;
  train_row->addWidget(train_);
  train_row->addWidget(train_size_);
  form->addRow(QString(), train_row);
  auto* corpus_buttons = new QHBoxLayout;
  auto* add = new QPushButton(tr("Add files…"));
  auto* remove = new QPushButton(tr("Remove"));
  corpus_buttons->addWidget(add);
  corpus_buttons->addWidget(remove);
  corpus_buttons->addStretch(1);
  auto* corpus_box = new QVBoxLayout;
  corpora_->setMinimumHeight(80);
  corpus_box->addWidget(corpora_);
  corpus_box->addLayout(corpus_buttons);
  form->addRow(tr("Corpora:"), corpus_box);
  script_->addItem(tr("any (no filter)"), QString());
  for (const char* s : {"hangul", "han", "kana", "latin", "cyrillic", "arabic"})
    script_->addItem(QString::fromLatin1(s), QString::fromLatin1(s));
  form->addRow(tr("Script of new tokens:"), script_);
  min_freq_->setRange(1, std::numeric_limits<int>::max());
  min_freq_->setValue(6000);
  min_freq_->setToolTip(tr("Candidates counted fewer times are dropped (EEVE: 6,000 on 100 GB)"));
  form->addRow(tr("Minimum frequency:"), min_freq_);
  char_min_freq_->setRange(0, std::numeric_limits<int>::max());
  char_min_freq_->setSpecialValueText(tr("off"));
  char_min_freq_->setToolTip(tr("Add single characters of the script seen at least this often"));
  form->addRow(tr("Add script characters seen at least:"), char_min_freq_);
  problem_->setStyleSheet(QStringLiteral("QLabel { color: #c01c28; }"));
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(problem_);
  layout->addWidget(buttons_);
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(add, &QPushButton::clicked, this, [this] {
    for (const QString& f : QFileDialog::getOpenFileNames(this, tr("Corpus files"))) add_corpus(f);
  });
  connect(remove, &QPushButton::clicked, this, [this] {
    qDeleteAll(corpora_->selectedItems());
    refresh();
  });
  connect(train_, &QCheckBox::toggled, this, &NewExpansionDialog::refresh);
  for (QLineEdit* e : {base_, intermediate_}) connect(e, &QLineEdit::textChanged, this, &NewExpansionDialog::refresh);
  resize(640, 420);
  refresh();
}

QLineEdit* NewExpansionDialog::file_row(const QString& label, const QString& filter, QFormLayout* form) {
  return add_path_row(this, form, label, PathKind::kFile, filter);
}

void NewExpansionDialog::set_base(const QString& path) { base_->setText(path); }
void NewExpansionDialog::set_intermediate(const QString& path) { intermediate_->setText(path); }
void NewExpansionDialog::add_corpus(const QString& path) {
  corpora_->addItem(path);
  refresh();
}
void NewExpansionDialog::set_train_intermediate(bool train, int vocab_size) {
  train_->setChecked(train);
  train_size_->setValue(vocab_size);
}
void NewExpansionDialog::set_script(const QString& script) {
  script_->setCurrentIndex(std::max(0, script_->findData(script)));
}
void NewExpansionDialog::set_min_freq(qint64 value) { min_freq_->setValue(int(value)); }

QString NewExpansionDialog::problem() const {
  if (base_->text().isEmpty()) return tr("Choose the base tokenizer.");
  if (!QFileInfo(base_->text()).isFile()) return tr("The base tokenizer %1 does not exist.").arg(base_->text());
  if (!train_->isChecked() && intermediate_->text().isEmpty())
    return tr("Choose an intermediate tokenizer, or have one trained.");
  if (!train_->isChecked() && !QFileInfo(intermediate_->text()).isFile())
    return tr("The intermediate tokenizer %1 does not exist.").arg(intermediate_->text());
  if (corpora_->count() == 0) return tr("Add at least one corpus file.");
  return {};
}

void NewExpansionDialog::refresh() {
  intermediate_->setEnabled(!train_->isChecked());
  train_size_->setEnabled(train_->isChecked());
  problem_->setText(problem());
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(problem().isEmpty());
}

json NewExpansionDialog::train_options() const {
  if (!train_->isChecked()) return nullptr;
  json input = json::array();
  for (int i = 0; i < corpora_->count(); ++i) input.push_back(corpora_->item(i)->text().toStdString());
  return {{"input", input}, {"vocab_size", train_size_->value()}, {"model_type", "bpe"},
          {"out", (out_dir_ + QStringLiteral("/intermediate")).toStdString()}};
}

json NewExpansionDialog::expand_options() const {
  json corpus = json::array();
  for (int i = 0; i < corpora_->count(); ++i) corpus.push_back(corpora_->item(i)->text().toStdString());
  const QString intermediate =
      train_->isChecked() ? out_dir_ + QStringLiteral("/intermediate.model") : intermediate_->text();
  json o = {{"base", base_->text().toStdString()}, {"intermediate", intermediate.toStdString()},
            {"corpus", corpus}, {"min_freq", min_freq_->value()},
            {"out", (out_dir_ + QStringLiteral("/merged")).toStdString()},
            {"project", project_.toStdString()}};
  if (!script_->currentData().toString().isEmpty()) o["script"] = script_->currentData().toString().toStdString();
  if (char_min_freq_->value() > 0) o["char_min_freq"] = char_min_freq_->value();
  return o;
}

}  // namespace glossa::app
