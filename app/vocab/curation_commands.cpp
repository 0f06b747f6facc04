#include "app/vocab/curation_commands.h"

#include <QObject>
#include <map>

namespace glossa::app {

OverrideCommand::OverrideCommand(CandidateTableModel* model, QStringList pieces, QString action,
                                 QString reason, DecideSink sink)
    : model_(model), pieces_(std::move(pieces)), action_(std::move(action)),
      reason_(std::move(reason)), sink_(std::move(sink)) {
  const QString what = action_ == QLatin1String("reset") ? QObject::tr("Reset") :
                       action_ == QLatin1String("include") ? QObject::tr("Include") :
                                                             QObject::tr("Exclude");
  setText(pieces_.size() == 1 ? QObject::tr("%1 %2").arg(what, pieces_.front())
                              : QObject::tr("%1 %n tokens", nullptr, int(pieces_.size())).arg(what));
}

void OverrideCommand::redo() {
  previous_ = model_->set_overrides(pieces_, action_, reason_);
  if (sink_) sink_(pieces_, action_, reason_);
}

void OverrideCommand::undo() {
  model_->restore_overrides(pieces_, previous_);
  if (!sink_) return;
  // One vocab.decide per previous state, so the project ends where it was.
  std::map<std::pair<QString, QString>, QStringList> groups;
  for (int k = 0; k < pieces_.size() && size_t(k) < previous_.size(); ++k) {
    const auto& p = previous_[size_t(k)];
    groups[{p.action.isEmpty() ? QStringLiteral("reset") : p.action, p.reason}] << pieces_[k];
  }
  for (const auto& [key, pieces] : groups)
    sink_(pieces, key.first, key.first == QLatin1String("reset") ? QObject::tr("undo") : key.second);
}

MinFreqCommand::MinFreqCommand(CandidateTableModel* model, qint64 from, qint64 to, int drag,
                               std::function<void(qint64)> on_change)
    : model_(model), from_(from), to_(to), drag_(drag), on_change_(std::move(on_change)) {
  setText(QObject::tr("Minimum frequency %1").arg(to_));
}

void MinFreqCommand::set(qint64 value) {
  model_->set_min_freq(value);
  if (on_change_) on_change_(value);
}

void MinFreqCommand::redo() { set(to_); }
void MinFreqCommand::undo() { set(from_); }

bool MinFreqCommand::mergeWith(const QUndoCommand* other) {
  const auto* o = static_cast<const MinFreqCommand*>(other);
  if (drag_ == 0 || o->drag_ != drag_) return false;
  to_ = o->to_;
  setText(QObject::tr("Minimum frequency %1").arg(to_));
  return true;
}

}  // namespace glossa::app
