// The runs the backend knows (run.list's RunInfo, docs/protocol.md) as a table for the Runs page:
// id, state, stage, step, loss, tokens/s and the run folder, kept current by run.state and
// run.metrics notifications. Qt model only: no socket here.
#pragma once

#include <QAbstractTableModel>
#include <nlohmann/json.hpp>
#include <vector>

namespace glossa::app {

class RunListModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { kId, kState, kStage, kStep, kLoss, kTokensPerS, kFolder, kColumnCount };
  static constexpr int kIdRole = Qt::UserRole + 1;

  explicit RunListModel(QObject* parent = nullptr);

  void reset(const nlohmann::json& runs);  // run.list's "runs"
  void upsert(const nlohmann::json& run);  // one RunInfo
  // run.state / run.metrics / run.stage; false when the run is not listed yet.
  bool apply(const QString& method, const nlohmann::json& params);
  int row_of(qint64 id) const;
  qint64 id_at(int row) const;
  QString state_of(qint64 id) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  struct Row {
    qint64 id = 0, step = 0;
    QString state, stage, folder;
    double loss = -1, tokens_per_s = -1;
  };
  static Row row_from(const nlohmann::json& run);
  void changed(int row);
  std::vector<Row> rows_;
};

}  // namespace glossa::app
