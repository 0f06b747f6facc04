// The Vocabulary page (issue 20, docs/user-guide.md): a vocabulary session's candidates as a
// sortable, filterable table beside their rank-frequency curve with a draggable minimum-frequency
// line; include / exclude / reset with undo, saved to the project through the backend
// (vocab.decide); a summary of what the included tokens cost in embedding rows at the model's
// hidden size; and "Iterate", which runs the expansion again with these decisions (vocab.expand).
// Owns no engine code: everything arrives through BackendClient.
#pragma once

#include <QWidget>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableView;
class QTimer;
class QUndoStack;

namespace glossa {
class RankFrequencyPlot;
}

namespace glossa::app {

class BackendClient;
class CandidateFilterProxy;
class CandidateTableModel;
class PreviewPanel;

class VocabularyPage : public QWidget {
  Q_OBJECT

 public:
  VocabularyPage(BackendClient* client, QUndoStack* undo, QWidget* parent = nullptr);

  // The project (project.open's "project"): lists its sessions and opens the newest.
  void set_project(const nlohmann::json& project);
  void open_session(qint64 session);
  qint64 session() const { return session_; }

  void decide_selected(const QString& action);  // include / exclude / reset the selected rows
  void set_min_freq(qint64 value);              // as a drag of the line would (undoable)
  void iterate();                               // vocab.expand with these decisions
  void new_expansion();                         // the New expansion dialog, then its jobs
  // Backend jobs one after the other (name, options); when the last is done the project is
  // reopened on its newest session (the expansion's) and iterationFinished follows.
  void run_jobs(std::vector<std::pair<std::string, nlohmann::json>> jobs);

  CandidateTableModel* model() const { return model_; }
  CandidateFilterProxy* proxy() const { return proxy_; }
  QTableView* table() const { return table_; }
  RankFrequencyPlot* plot() const { return plot_; }
  QString summary() const;
  QString status_text() const;
  PreviewPanel* preview() const { return preview_; }

 Q_SIGNALS:
  void loaded(int rows);                     // the whole table has arrived
  void iterationFinished(qint64 session);    // the new session is open
  void failed(const QString& message);       // shown in the page's status line too
  void previewUpdated(const nlohmann::json& result);  // a vocab.preview answer was shown

 private:
  QWidget* build_filters();
  QWidget* build_side();
  void request_page(int generation, qint64 session, qint64 offset);
  void after_load();
  void refresh_summary();
  void schedule_preview();  // debounced: one vocab.preview 150 ms after the last change
  void request_preview();
  void on_rule_changed(qint64 min_freq);  // the line moved (a drag, a typed value, undo)
  void refresh_marks();
  void send_decision(const QStringList& pieces, const QString& action, const QString& reason);
  void show_status(const QString& text, bool error = false);
  void on_job_finished(const QString& method, const nlohmann::json& params);

  BackendClient* client_;
  QUndoStack* undo_;
  CandidateTableModel* model_;
  CandidateFilterProxy* proxy_;
  QTableView* table_;
  RankFrequencyPlot* plot_;
  QComboBox* sessions_;
  QComboBox* status_filter_;
  QComboBox* script_filter_;
  QSpinBox* min_count_;
  QSpinBox* max_count_;
  QLineEdit* pattern_;
  QLineEdit* search_;
  QLineEdit* reason_;
  QSpinBox* hidden_size_;
  QLabel* summary_;
  QLabel* status_;
  QPushButton* iterate_;
  nlohmann::json project_;
  qint64 session_ = 0;
  int generation_ = 0;  // bumped by open_session: replies of an earlier load are dropped
  qint64 job_ = 0;  // the running job of run_jobs, 0 = none
  std::vector<std::pair<std::string, nlohmann::json>> pending_jobs_;
  QPushButton* new_expansion_;
  PreviewPanel* preview_;
  QTimer* preview_timer_;
  int preview_request_ = 0;
  int drag_ = 0;  // id of the current drag (its moves merge into one undo step)
};

}  // namespace glossa::app
