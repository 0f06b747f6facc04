// "New expansion…" on the Vocabulary page: choose the base tokenizer, the intermediate tokenizer
// (or have one trained first from the corpora, with its main options), the corpora, the script
// and the minimum frequencies. The page submits what job_options() says as backend jobs
// (tokenizer.train when asked, then vocab.expand into the project).
#pragma once

#include <QDialog>
#include <nlohmann/json.hpp>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QSpinBox;

namespace glossa::app {

class NewExpansionDialog : public QDialog {
  Q_OBJECT

 public:
  // `project`: the project file (outputs go to a folder beside it).
  explicit NewExpansionDialog(const QString& project, QWidget* parent = nullptr);

  void set_base(const QString& path);
  void set_intermediate(const QString& path);
  void add_corpus(const QString& path);
  void set_train_intermediate(bool train, int vocab_size = 8000);
  void set_script(const QString& script);
  void set_min_freq(qint64 value);

  // What is missing, in plain words; empty when the dialog can be accepted.
  QString problem() const;
  // tokenizer.train's options when an intermediate is to be trained (null otherwise), and
  // vocab.expand's (its intermediate is the trained model's path in that case).
  nlohmann::json train_options() const;
  nlohmann::json expand_options() const;

 private:
  QLineEdit* file_row(const QString& label, const QString& filter, QFormLayout* form);
  void refresh();

  QString project_, out_dir_;
  QLineEdit* base_;
  QLineEdit* intermediate_;
  QCheckBox* train_;
  QSpinBox* train_size_;
  QListWidget* corpora_;
  QComboBox* script_;
  QSpinBox* min_freq_;
  QSpinBox* char_min_freq_;
  QLabel* problem_;
  QDialogButtonBox* buttons_;
};

}  // namespace glossa::app
