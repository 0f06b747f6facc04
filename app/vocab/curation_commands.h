// The Vocabulary page's edits as undoable commands (QUndoStack): overriding pieces (include,
// exclude, reset: sent to the backend as vocab.decide, so undo is saved too) and moving the
// minimum-frequency line (successive moves of one drag merge into one step).
#pragma once

#include <QStringList>
#include <QUndoCommand>
#include <functional>
#include <vector>

#include "app/vocab/candidate_table_model.h"

namespace glossa::app {

// Persists an override change: vocab.decide(pieces, action, reason).
using DecideSink =
    std::function<void(const QStringList& pieces, const QString& action, const QString& reason)>;

class OverrideCommand : public QUndoCommand {
 public:
  OverrideCommand(CandidateTableModel* model, QStringList pieces, QString action, QString reason,
                  DecideSink sink);
  void redo() override;
  void undo() override;

 private:
  CandidateTableModel* model_;
  QStringList pieces_;
  QString action_, reason_;
  DecideSink sink_;
  std::vector<CandidateTableModel::Override> previous_;
};

class MinFreqCommand : public QUndoCommand {
 public:
  // `drag`: an id shared by the moves of one drag (they merge); 0 = never merges.
  MinFreqCommand(CandidateTableModel* model, qint64 from, qint64 to, int drag,
                 std::function<void(qint64)> on_change = {});
  void redo() override;
  void undo() override;
  int id() const override { return 1; }
  bool mergeWith(const QUndoCommand* other) override;

 private:
  void set(qint64 value);
  CandidateTableModel* model_;
  qint64 from_, to_;
  int drag_;
  std::function<void(qint64)> on_change_;
};

}  // namespace glossa::app
