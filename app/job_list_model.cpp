#include "app/job_list_model.h"

#include "app/json_fields.h"

#include <algorithm>
#include <cmath>

namespace glossa::app {

namespace {

QString eta_text(double seconds) {
  if (seconds < 0) return {};
  const int s = int(std::lround(seconds));
  if (s < 60) return QObject::tr("%1 s").arg(s);
  if (s < 3600) return QObject::tr("%1 min %2 s").arg(s / 60).arg(s % 60);
  return QObject::tr("%1 h %2 min").arg(s / 3600).arg(s % 3600 / 60);
}

}  // namespace

JobListModel::JobListModel(QObject* parent) : QAbstractTableModel(parent) {}

JobListModel::Row JobListModel::row_from(const nlohmann::json& job) {
  Row r;
  r.id = job.value("id", int64_t(0));
  r.job = json_text(job, "job");
  r.state = json_text(job, "state");
  if (const auto p = job.find("progress"); p != job.end() && p->is_object()) {
    r.fraction = json_number(*p, "fraction");
    r.eta = json_number(*p, "eta_seconds");
    r.message = json_text(*p, "message");
  }
  if (const auto e = job.find("error"); e != job.end() && e->is_object()) {
    r.message = json_text(*e, "message");
    r.detail = json_text(*e, "detail");
  }
  return r;
}

void JobListModel::reset(const nlohmann::json& jobs) {
  beginResetModel();
  rows_.clear();
  for (const auto& j : jobs) rows_.push_back(row_from(j));
  std::sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) { return a.id < b.id; });
  endResetModel();
}

int JobListModel::row_of(int64_t id) const {
  const auto it = std::lower_bound(rows_.begin(), rows_.end(), id,
                                   [](const Row& r, int64_t v) { return r.id < v; });
  return it != rows_.end() && it->id == id ? int(it - rows_.begin()) : -1;
}

int JobListModel::insert_row(const Row& row) {
  const auto it = std::lower_bound(rows_.begin(), rows_.end(), row.id,
                                   [](const Row& r, int64_t v) { return r.id < v; });
  const int at = int(it - rows_.begin());
  beginInsertRows({}, at, at);
  rows_.insert(it, row);
  endInsertRows();
  return at;
}

void JobListModel::changed(int row) {
  Q_EMIT dataChanged(index(row, 0), index(row, kColumnCount - 1));
}

void JobListModel::upsert(const nlohmann::json& job) {
  const Row r = row_from(job);
  const int at = row_of(r.id);
  if (at < 0) {
    insert_row(r);
    return;
  }
  rows_[size_t(at)] = r;
  changed(at);
}

bool JobListModel::apply(const QString& method, const nlohmann::json& params) {
  if (!method.startsWith("job.") || !params.contains("id")) return false;
  const int64_t id = params.value("id", int64_t(0));
  int at = row_of(id);
  const bool unknown = at < 0;
  if (unknown) at = insert_row(Row{id, {}, QStringLiteral("running"), {}, {}, -1, -1});
  Row& r = rows_[size_t(at)];
  if (method == "job.state") {
    r.state = json_text(params, "state");
  } else if (method == "job.progress") {
    r.fraction = json_number(params, "fraction");
    r.eta = json_number(params, "eta_seconds");
    r.message = json_text(params, "message");
  } else if (method == "job.finished") {
    r.state = QStringLiteral("finished");
    r.fraction = 1;
    r.eta = -1;
    r.message = tr("done");
  } else if (method == "job.failed") {
    r.state = json_text(params, "state");
    r.eta = -1;
    const auto e = params.find("error");
    r.message = e != params.end() && e->is_object() ? json_text(*e, "message") : QString();
    r.detail = e != params.end() && e->is_object() ? json_text(*e, "detail") : QString();
  } else if (method == "job.warning") {
    r.message = tr("warning: %1").arg(json_text(params, "message"));
  }
  changed(at);
  return unknown;
}

int JobListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(rows_.size());
}

int JobListModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant JobListModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= int(rows_.size())) return {};
  const Row& r = rows_[size_t(index.row())];
  if (role == kIdRole) return QVariant::fromValue<qlonglong>(r.id);
  if (role == kFractionRole) return r.fraction;
  if (role == Qt::ToolTipRole && index.column() == kMessage && !r.detail.isEmpty()) return r.detail;
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case kJob: return r.job.isEmpty() ? tr("job %1").arg(r.id) : r.job;
    case kState: return r.state;
    case kProgress: return r.fraction < 0 ? QString() : QString("%1 %").arg(int(r.fraction * 100));
    case kEta: return r.state == "running" ? eta_text(r.eta) : QString();
    case kMessage: return r.message;
    default: return {};
  }
}

QVariant JobListModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case kJob: return tr("Job");
    case kState: return tr("State");
    case kProgress: return tr("Progress");
    case kEta: return tr("Time left");
    case kMessage: return tr("Message");
    default: return {};
  }
}

}  // namespace glossa::app
