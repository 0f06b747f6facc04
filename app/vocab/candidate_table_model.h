// The Vocabulary page's candidate table (vocab.candidates rows, docs/protocol.md) as a Qt model:
// token, frequency, rank, length, script, status, your override, the engine's reason, iteration
// and the base pieces the token replaces. The status follows the minimum-frequency line the
// person drags: rows the rule governs (the engine said included, excluded or candidate) are
// re-labelled at once; forced, forced-out and single-character rows stay; an override wins over
// everything. Qt model only: no socket (the page sends vocab.decide), no widgets.
#pragma once

#include <QAbstractTableModel>
#include <QStringList>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <vector>

namespace glossa::app {

class CandidateTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  // The reason comes last: it is the long one (the view stretches it).
  enum Column { kToken, kFrequency, kRank, kLength, kScript, kStatus, kOverride, kIteration,
                kBasePieces, kReason, kColumnCount };

  struct Row {
    QString piece;
    qint64 count = -1;  // -1: not counted
    qint64 rank = 0;    // 0: not counted
    int chars = 0;
    QString script, engine_status, reason, override_action, override_reason;
    int iteration = 0;
    QStringList base_pieces;
  };
  // An override as it was before a change (for undo): action "" = none.
  struct Override {
    QString action, reason;
  };

  explicit CandidateTableModel(QObject* parent = nullptr);

  void clear(qint64 min_freq);
  // Appends one vocab.candidates page (its "columns" name the row arrays' entries). Throws
  // std::runtime_error naming the column when one the model needs is missing.
  void append_page(const nlohmann::json& page);

  qint64 min_freq() const { return min_freq_; }
  void set_min_freq(qint64 value);  // re-labels status, override and reason (one dataChanged)

  // Sets pieces' overrides ("include", "exclude"; "" or "reset" clears). Returns the previous
  // override of each piece, for undo. Unknown pieces are ignored.
  std::vector<Override> set_overrides(const QStringList& pieces, const QString& action,
                                      const QString& reason);
  void restore_overrides(const QStringList& pieces, const std::vector<Override>& previous);

  // The status shown: the override, else the engine's fixed statuses, else the rule.
  QString status(int row) const;
  // Why: the override's reason, the rule at the current line, or the engine's fixed reason.
  QString reason(int row) const;
  bool counts_as_included(int row) const;  // included, forced or single character
  int included_count() const;
  const Row& row(int i) const { return rows_[size_t(i)]; }
  int row_of(const QString& piece) const;  // -1 when absent
  // Position of each row's token in string order, so sorting by token compares integers
  // (computed on first use, or by prepare_token_order() once the table has arrived).
  int token_order(int row) const;
  void prepare_token_order() const;
  // (rank, count) of every counted row, by rank: the rank-frequency curve.
  std::vector<std::pair<double, double>> curve() const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  std::vector<Row> rows_;
  std::unordered_map<QString, int> by_piece_;
  qint64 min_freq_ = 0;
  mutable std::vector<int> token_order_;  // empty = not computed since the rows changed
};

}  // namespace glossa::app
