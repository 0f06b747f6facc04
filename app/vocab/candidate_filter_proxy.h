// Sorting and filtering of the candidate table (CandidateTableModel): by status, script,
// frequency range, a regular expression on the token and a plain search text. Filters and sort
// keys read the model's rows directly rather than through QVariant, so both stay fast on
// 200,000 rows (bench/bench_vocab_table.cpp measures them).
#pragma once

#include <QRegularExpression>
#include <QSortFilterProxyModel>

namespace glossa::app {

class CandidateTableModel;

class CandidateFilterProxy : public QSortFilterProxyModel {
  Q_OBJECT

 public:
  explicit CandidateFilterProxy(QObject* parent = nullptr);
  void setSourceModel(QAbstractItemModel* model) override;

  void set_status(const QString& status);  // "" = any
  void set_script(const QString& script);  // "" = any
  void set_frequency_range(qint64 min, qint64 max);  // max < 0 = no upper bound
  // An invalid pattern filters nothing and returns false (the page shows why).
  bool set_pattern(const QString& pattern);
  void set_search(const QString& text);  // substring, case-insensitive
  void refilter();  // after the source's statuses changed (the line moved, overrides)

 protected:
  bool filterAcceptsRow(int source_row, const QModelIndex& source_parent) const override;
  bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

 private:
  const CandidateTableModel* table_ = nullptr;
  QString status_, script_, search_;
  qint64 min_count_ = 0, max_count_ = -1;
  QRegularExpression pattern_;
};

}  // namespace glossa::app
