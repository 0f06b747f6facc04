// The jobs the backend knows (docs/protocol.md: JobInfo, job.* notifications) as a table for
// the jobs panel: one row per job in id order, kept current from the notifications, including
// jobs another client started (a row appears with what the notification says; `upsert` fills in
// the rest from job.get / job.list). Columns: job, state, progress, ETA, message (the error in
// plain words when it failed; its detail as the tooltip). Qt model only: no socket here.
#pragma once

#include <QAbstractTableModel>
#include <nlohmann/json.hpp>
#include <vector>

namespace glossa::app {

class JobListModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { kJob, kState, kProgress, kEta, kMessage, kColumnCount };
  static constexpr int kFractionRole = Qt::UserRole + 1;  // progress in [0, 1], or -1
  static constexpr int kIdRole = Qt::UserRole + 2;

  explicit JobListModel(QObject* parent = nullptr);

  // The whole list (job.list's "jobs").
  void reset(const nlohmann::json& jobs);
  // One JobInfo (job.submit / job.get): replaces or inserts its row.
  void upsert(const nlohmann::json& job);
  // A job.* notification; other methods are ignored. True when it named a job not listed yet
  // (the caller may job.get it for its name and options).
  bool apply(const QString& method, const nlohmann::json& params);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  int row_of(int64_t id) const;  // -1 when absent

 private:
  struct Row {
    int64_t id = 0;
    QString job, state, message, detail;
    double fraction = -1, eta = -1;
  };
  static Row row_from(const nlohmann::json& job);
  int insert_row(const Row& row);  // keeps id order; returns the row
  void changed(int row);

  std::vector<Row> rows_;
};

}  // namespace glossa::app
