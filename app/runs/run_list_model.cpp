#include "app/runs/run_list_model.h"

#include "app/json_fields.h"

#include <QLocale>
#include <algorithm>

namespace glossa::app {

using nlohmann::json;

RunListModel::RunListModel(QObject* parent) : QAbstractTableModel(parent) {}

RunListModel::Row RunListModel::row_from(const json& run) {
  Row r;
  r.id = run.value("id", qint64(0));
  r.state = json_text(run, "state");
  r.folder = json_text(run, "run_dir");
  const json status = run.value("status", json::object());
  if (status.is_object()) {
    r.stage = json_text(status, "stage");
    r.step = qint64(json_number(status, "global_step", 0));
    r.loss = json_number(status, "loss");
    r.tokens_per_s = json_number(status, "tokens_per_s");
  }
  return r;
}

void RunListModel::reset(const json& runs) {
  beginResetModel();
  rows_.clear();
  for (const json& r : runs) rows_.push_back(row_from(r));
  std::sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) { return a.id < b.id; });
  endResetModel();
}

int RunListModel::row_of(qint64 id) const {
  for (size_t i = 0; i < rows_.size(); ++i)
    if (rows_[i].id == id) return int(i);
  return -1;
}

qint64 RunListModel::id_at(int row) const {
  return row >= 0 && row < rowCount() ? rows_[size_t(row)].id : 0;
}

QString RunListModel::state_of(qint64 id) const {
  const int r = row_of(id);
  return r < 0 ? QString() : rows_[size_t(r)].state;
}

void RunListModel::upsert(const json& run) {
  const Row r = row_from(run);
  const int at = row_of(r.id);
  if (at >= 0) {
    rows_[size_t(at)] = r;
    return changed(at);
  }
  const auto it = std::lower_bound(rows_.begin(), rows_.end(), r.id,
                                   [](const Row& x, qint64 id) { return x.id < id; });
  const int pos = int(it - rows_.begin());
  beginInsertRows({}, pos, pos);
  rows_.insert(it, r);
  endInsertRows();
}

bool RunListModel::apply(const QString& method, const json& params) {
  const int at = row_of(params.value("id", qint64(-1)));
  if (at < 0) return false;
  Row& r = rows_[size_t(at)];
  if (method == QLatin1String("run.state")) {
    r.state = json_text(params, "state");
  } else if (method == QLatin1String("run.stage")) {
    r.stage = json_text(params, "stage");
  } else if (method == QLatin1String("run.metrics")) {
    const json& rows = params.value("rows", json::array());
    if (rows.empty()) return true;
    const json& last = rows.back();
    r.step = qint64(json_number(last, "step", double(r.step)));
    r.loss = json_number(last, "loss", r.loss);
    r.tokens_per_s = json_number(last, "tokens_per_s", r.tokens_per_s);
    if (!json_text(last, "stage").isEmpty()) r.stage = json_text(last, "stage");
  } else {
    return true;
  }
  changed(at);
  return true;
}

void RunListModel::changed(int row) { Q_EMIT dataChanged(index(row, 0), index(row, kColumnCount - 1)); }

int RunListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }
int RunListModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : kColumnCount; }

QVariant RunListModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount()) return {};
  const Row& r = rows_[size_t(index.row())];
  if (role == kIdRole) return r.id;
  if (role == Qt::TextAlignmentRole && index.column() != kState && index.column() != kStage &&
      index.column() != kFolder)
    return int(Qt::AlignRight | Qt::AlignVCenter);
  if (role == Qt::ToolTipRole && index.column() == kFolder) return r.folder;
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case kId: return r.id;
    case kState: return r.state;
    case kStage: return r.stage;
    case kStep: return QLocale().toString(r.step);
    case kLoss: return r.loss < 0 ? QString() : QString::number(r.loss, 'f', 4);
    case kTokensPerS: return r.tokens_per_s < 0 ? QString() : QLocale().toString(qint64(r.tokens_per_s));
    case kFolder: return r.folder;
  }
  return {};
}

QVariant RunListModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* const kNames[] = {"Run", "State", "Stage", "Step", "Loss", "Tokens/s", "Folder"};
  return section >= 0 && section < kColumnCount ? tr(kNames[section]) : QVariant();
}

}  // namespace glossa::app
