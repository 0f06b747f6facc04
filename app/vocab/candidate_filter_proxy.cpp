#include "app/vocab/candidate_filter_proxy.h"

#include "app/vocab/candidate_table_model.h"

namespace glossa::app {

CandidateFilterProxy::CandidateFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {
  // Re-filtering on every dataChanged would make a drag of the min-frequency line cost a full
  // pass per step; the page asks for it (refilter) when a status filter is active.
  setDynamicSortFilter(false);
}

void CandidateFilterProxy::refilter() {
  // invalidate(), not invalidateFilter(): the latter removes and inserts rows range by range,
  // and a filter that keeps every fourth row makes tens of thousands of ranges, each one costing
  // the view a pass (13 s for 200,000 rows, bench_gui_vocab_table); invalidate() rebuilds the
  // mapping, sorted, and tells the view once (layoutChanged).
  invalidate();
}

void CandidateFilterProxy::setSourceModel(QAbstractItemModel* model) {
  table_ = qobject_cast<const CandidateTableModel*>(model);
  QSortFilterProxyModel::setSourceModel(model);
}

void CandidateFilterProxy::set_status(const QString& status) {
  status_ = status;
  refilter();
}

void CandidateFilterProxy::set_script(const QString& script) {
  script_ = script;
  refilter();
}

void CandidateFilterProxy::set_frequency_range(qint64 min, qint64 max) {
  min_count_ = min;
  max_count_ = max;
  refilter();
}

bool CandidateFilterProxy::set_pattern(const QString& pattern) {
  QRegularExpression re(pattern, QRegularExpression::UseUnicodePropertiesOption);
  const bool ok = re.isValid();
  pattern_ = ok && !pattern.isEmpty() ? re : QRegularExpression();
  refilter();
  return ok;
}

void CandidateFilterProxy::set_search(const QString& text) {
  search_ = text;
  refilter();
}

bool CandidateFilterProxy::filterAcceptsRow(int source_row, const QModelIndex&) const {
  if (!table_) return true;
  const CandidateTableModel::Row& r = table_->row(source_row);
  if (!script_.isEmpty() && r.script != script_) return false;
  if (r.count >= 0 && (r.count < min_count_ || (max_count_ >= 0 && r.count > max_count_)))
    return false;
  if (r.count < 0 && min_count_ > 0) return false;
  if (!search_.isEmpty() && !r.piece.contains(search_, Qt::CaseInsensitive)) return false;
  if (!pattern_.pattern().isEmpty() && !pattern_.match(r.piece).hasMatch()) return false;
  if (!status_.isEmpty() && table_->status(source_row) != status_) return false;
  return true;
}

bool CandidateFilterProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const {
  if (!table_) return QSortFilterProxyModel::lessThan(left, right);
  const CandidateTableModel::Row& a = table_->row(left.row());
  const CandidateTableModel::Row& b = table_->row(right.row());
  switch (left.column()) {
    case CandidateTableModel::kFrequency: return a.count < b.count;
    case CandidateTableModel::kRank: return a.rank < b.rank;
    case CandidateTableModel::kLength: return a.chars < b.chars;
    case CandidateTableModel::kIteration: return a.iteration < b.iteration;
    case CandidateTableModel::kToken: return table_->token_order(left.row()) < table_->token_order(right.row());
    case CandidateTableModel::kScript: return a.script < b.script;
    case CandidateTableModel::kStatus: return table_->status(left.row()) < table_->status(right.row());
    case CandidateTableModel::kBasePieces: return a.base_pieces.size() < b.base_pieces.size();
    default: break;
  }
  return QSortFilterProxyModel::lessThan(left, right);
}

}  // namespace glossa::app
