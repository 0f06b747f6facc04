#include "app/vocab/candidate_table_model.h"

#include <QColor>
#include <QLocale>
#include <algorithm>
#include <stdexcept>

namespace glossa::app {

namespace {

int column_of(const nlohmann::json& columns, const char* name) {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return int(i);
  throw std::runtime_error(std::string("vocab.candidates: no column '") + name + "'");
}

QString text(const nlohmann::json& v) {
  return v.is_string() ? QString::fromStdString(v.get<std::string>()) : QString();
}

// The rule governs what the engine judged by count; the others are fixed.
bool follows_rule(const QString& engine_status) {
  return engine_status == QLatin1String("included") || engine_status == QLatin1String("excluded") ||
         engine_status == QLatin1String("candidate");
}

}  // namespace

CandidateTableModel::CandidateTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void CandidateTableModel::clear(qint64 min_freq) {
  beginResetModel();
  rows_.clear();
  by_piece_.clear();
  token_order_.clear();
  min_freq_ = min_freq;
  endResetModel();
}

void CandidateTableModel::append_page(const nlohmann::json& page) {
  const nlohmann::json& columns = page.at("columns");
  const int piece = column_of(columns, "piece"), count = column_of(columns, "count"),
            rank = column_of(columns, "rank"), chars = column_of(columns, "chars"),
            script = column_of(columns, "script"), status = column_of(columns, "status"),
            reason = column_of(columns, "reason"), iteration = column_of(columns, "iteration"),
            base = column_of(columns, "base_pieces"), action = column_of(columns, "override"),
            why = column_of(columns, "override_reason");
  const nlohmann::json& rows = page.at("rows");
  if (rows.empty()) return;
  const int first = int(rows_.size());
  beginInsertRows({}, first, first + int(rows.size()) - 1);
  for (const nlohmann::json& r : rows) {
    Row row;
    row.piece = text(r.at(piece));
    row.count = r.at(count).get<qint64>();
    row.rank = r.at(rank).get<qint64>();
    row.chars = r.at(chars).get<int>();
    row.script = text(r.at(script));
    row.engine_status = text(r.at(status));
    row.reason = text(r.at(reason));
    row.iteration = r.at(iteration).get<int>();
    for (const nlohmann::json& p : r.at(base)) row.base_pieces << text(p);
    row.override_action = text(r.at(action));
    row.override_reason = text(r.at(why));
    by_piece_[row.piece] = int(rows_.size());
    rows_.push_back(std::move(row));
  }
  token_order_.clear();
  endInsertRows();
}

void CandidateTableModel::set_min_freq(qint64 value) {
  if (value == min_freq_) return;
  min_freq_ = value;
  if (!rows_.empty()) Q_EMIT dataChanged(index(0, kStatus), index(rowCount() - 1, kReason));
}

QString CandidateTableModel::status(int i) const {
  const Row& r = rows_[size_t(i)];
  if (r.override_action == QLatin1String("include")) return QStringLiteral("included");
  if (r.override_action == QLatin1String("exclude")) return QStringLiteral("excluded");
  if (!follows_rule(r.engine_status)) return r.engine_status;
  if (r.count < 0) return r.engine_status;
  return r.count >= min_freq_ ? QStringLiteral("included") : QStringLiteral("excluded");
}

QString CandidateTableModel::reason(int i) const {
  const Row& r = rows_[size_t(i)];
  if (!r.override_action.isEmpty())
    return r.override_reason.isEmpty() ? tr("your decision") : tr("you: %1").arg(r.override_reason);
  if (!follows_rule(r.engine_status) || r.count < 0) return r.reason;
  // The rule at the line's value, not at the value the engine ran with.
  return r.count >= min_freq_ ? tr("count %1 ≥ minimum frequency %2").arg(r.count).arg(min_freq_)
                              : tr("count %1 < minimum frequency %2").arg(r.count).arg(min_freq_);
}

bool CandidateTableModel::counts_as_included(int i) const {
  const QString s = status(i);
  return s == QLatin1String("included") || s == QLatin1String("forced") ||
         s == QLatin1String("single character");
}

int CandidateTableModel::included_count() const {
  int n = 0;
  for (int i = 0; i < rowCount(); ++i) n += counts_as_included(i);
  return n;
}

void CandidateTableModel::prepare_token_order() const {
  if (token_order_.size() == rows_.size()) return;
  std::vector<int> by_token(rows_.size());
  for (size_t i = 0; i < by_token.size(); ++i) by_token[i] = int(i);
  std::sort(by_token.begin(), by_token.end(),
            [this](int a, int b) { return rows_[size_t(a)].piece < rows_[size_t(b)].piece; });
  token_order_.assign(rows_.size(), 0);
  for (size_t k = 0; k < by_token.size(); ++k) token_order_[size_t(by_token[k])] = int(k);
}

int CandidateTableModel::token_order(int row) const {
  prepare_token_order();
  return token_order_[size_t(row)];
}

int CandidateTableModel::row_of(const QString& piece) const {
  const auto it = by_piece_.find(piece);
  return it == by_piece_.end() ? -1 : it->second;
}

std::vector<std::pair<double, double>> CandidateTableModel::curve() const {
  std::vector<std::pair<double, double>> points;
  for (const Row& r : rows_)
    if (r.rank > 0 && r.count > 0) points.emplace_back(double(r.rank), double(r.count));
  std::sort(points.begin(), points.end());
  return points;
}

std::vector<CandidateTableModel::Override> CandidateTableModel::set_overrides(
    const QStringList& pieces, const QString& action, const QString& reason) {
  const QString stored = action == QLatin1String("reset") ? QString() : action;
  std::vector<Override> previous;
  QStringList known;
  for (const QString& p : pieces) {
    const int i = row_of(p);
    if (i < 0) continue;
    previous.push_back({rows_[size_t(i)].override_action, rows_[size_t(i)].override_reason});
    known << p;
  }
  restore_overrides(known, std::vector<Override>(size_t(known.size()), {stored, stored.isEmpty() ? QString() : reason}));
  return previous;
}

void CandidateTableModel::restore_overrides(const QStringList& pieces,
                                            const std::vector<Override>& previous) {
  int lo = rowCount(), hi = -1;
  for (int k = 0; k < pieces.size() && size_t(k) < previous.size(); ++k) {
    const int i = row_of(pieces[k]);
    if (i < 0) continue;
    rows_[size_t(i)].override_action = previous[size_t(k)].action;
    rows_[size_t(i)].override_reason = previous[size_t(k)].reason;
    lo = std::min(lo, i);
    hi = std::max(hi, i);
  }
  if (hi >= 0) Q_EMIT dataChanged(index(lo, 0), index(hi, kColumnCount - 1));
}

int CandidateTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(rows_.size());
}

int CandidateTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant CandidateTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount()) return {};
  const Row& r = rows_[size_t(index.row())];
  if (role == Qt::DisplayRole) {
    switch (index.column()) {
      case kToken: return r.piece;
      case kFrequency: return r.count < 0 ? QString() : QLocale().toString(r.count);
      case kRank: return r.rank > 0 ? QVariant(r.rank) : QVariant(QString());
      case kLength: return r.chars;
      case kScript: return r.script;
      case kStatus: return status(index.row());
      case kOverride: return r.override_action;
      case kReason: return reason(index.row());
      case kIteration: return r.iteration;
      case kBasePieces: return r.base_pieces.join(QLatin1Char(' '));
    }
  } else if (role == Qt::ToolTipRole) {
    if (index.column() == kReason || index.column() == kOverride)
      return r.override_action.isEmpty()
                 ? r.reason
                 : tr("You: %1 (%2)\nEngine: %3").arg(r.override_action, r.override_reason, r.reason);
    if (index.column() == kBasePieces)
      return tr("%n base token(s) this token replaces", nullptr, int(r.base_pieces.size()));
  } else if (role == Qt::TextAlignmentRole) {
    if (index.column() == kFrequency || index.column() == kRank || index.column() == kLength ||
        index.column() == kIteration)
      return int(Qt::AlignRight | Qt::AlignVCenter);
  } else if (role == Qt::ForegroundRole && index.column() == kStatus) {
    if (!counts_as_included(index.row())) return QColor(0x9a, 0x9a, 0x9a);
  }
  return {};
}

QVariant CandidateTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case kToken: return tr("Token");
    case kFrequency: return tr("Frequency");
    case kRank: return tr("Rank");
    case kLength: return tr("Length");
    case kScript: return tr("Script");
    case kStatus: return tr("Status");
    case kOverride: return tr("Override");
    case kReason: return tr("Reason");
    case kIteration: return tr("Iteration");
    case kBasePieces: return tr("Replaces (base pieces)");
  }
  return {};
}

}  // namespace glossa::app
