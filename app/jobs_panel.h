// The jobs panel (a dock): every job the backend knows with a progress bar, time left, cancel,
// and its result or error in plain words (the detail one click away). Jobs other clients start
// appear too: the panel subscribes to all jobs and asks job.get for ones it has not seen.
#pragma once

#include <QWidget>
#include <nlohmann/json.hpp>

class QPushButton;
class QTableView;

namespace glossa::app {

class BackendClient;
class JobListModel;

class JobsPanel : public QWidget {
  Q_OBJECT

 public:
  explicit JobsPanel(BackendClient* client, QWidget* parent = nullptr);
  JobListModel* model() const { return model_; }
  QTableView* view() const { return view_; }
  void cancel_selected();
  QString detail_of_selected() const;  // the error's detail (or the result) of the selected job

 private:
  void reload();
  void on_notification(const QString& method, const nlohmann::json& params);
  void show_detail();

  BackendClient* client_;
  JobListModel* model_;
  QTableView* view_;
  QPushButton* cancel_;
  QPushButton* details_;
};

}  // namespace glossa::app
