// "New run…" on the Runs page: a RUN.json file, or a schedule preset with the project's model,
// tokenizer and shards and the common overrides, on the CPU or N local GPUs. While it is edited
// the backend's run.plan shows, beside the form, what would run — the model after the vocabulary
// resize, each stage, the held-out sets, memory per rank and the effective configuration — or the
// error that would stop it. Start is enabled only for a request the backend has checked.
#pragma once

#include <QDialog>
#include <nlohmann/json.hpp>

#include "app/runs/new_run_request.h"

class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTextBrowser;
class QTimer;

namespace glossa::app {

class BackendClient;

class NewRunDialog : public QDialog {
  Q_OBJECT

 public:
  explicit NewRunDialog(BackendClient* client, QWidget* parent = nullptr);

  void set_request(const NewRunRequest& request);
  NewRunRequest request() const;
  bool planned() const { return planned_; }  // the current request passed run.plan
  QString plan_text() const;                 // what the plan pane shows (plain text)
  const nlohmann::json& plan() const { return plan_; }

 Q_SIGNALS:
  void planChecked(bool ok);  // a run.plan answer for the current request arrived

 private:
  QLineEdit* path_row(const QString& label, bool folder, QFormLayout* form);
  QWidget* build_form();
  void schedule_plan();
  void ask_plan();
  void show_plan(const nlohmann::json& plan);
  void show_error(const QString& message);

  BackendClient* client_;
  QComboBox* start_from_;
  QLineEdit* config_file_;
  QLineEdit* run_dir_;
  QLineEdit* model_;
  QLineEdit* tokenizer_;
  QLineEdit* token_map_;
  QPlainTextEdit* sources_;
  QPlainTextEdit* heldout_;
  QSpinBox* steps_;
  QSpinBox* seq_len_;
  QSpinBox* micro_batch_;
  QDoubleSpinBox* lr_;
  QSpinBox* eval_every_;
  QComboBox* device_;
  QComboBox* dtype_;
  QSpinBox* ranks_;
  QLineEdit* gpus_;
  QSpinBox* threads_;
  QTextBrowser* plan_view_;
  QDialogButtonBox* buttons_;
  QPushButton* start_;  // enabled only while the current request's plan is accepted
  QTimer* debounce_;
  nlohmann::json plan_;
  bool planned_ = false;
  int generation_ = 0;
};

// The run.plan answer as Markdown: model, stages, held-out sets, memory, device, configuration.
QString plan_markdown(const nlohmann::json& plan);

}  // namespace glossa::app
