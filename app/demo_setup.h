// Makes the demo project's first vocabulary session through the backend, the way a person would
// with the CLI: an English base tokenizer (BPE with byte fallback, like Llama's) trained on the
// English demo text, a Korean intermediate tokenizer trained on the Korean text, then an EEVE
// expansion of the base with Korean tokens into the demo project. Each step is a backend job
// (visible in the jobs panel); a step whose output exists is skipped.
#pragma once

#include <QObject>
#include <QString>
#include <nlohmann/json.hpp>

#include "app/demo_project.h"

namespace glossa::app {

class BackendClient;

class DemoSetup : public QObject {
  Q_OBJECT

 public:
  DemoSetup(BackendClient* client, DemoProject demo, QObject* parent = nullptr);
  void start();

  // The jobs' options (tested; docs/user-guide.md shows the same as CLI commands).
  nlohmann::json base_tokenizer_options() const;
  nlohmann::json korean_tokenizer_options() const;
  nlohmann::json expansion_options() const;

 Q_SIGNALS:
  void progress(const QString& message);
  void finished();  // the project now has a vocabulary session
  void failed(const QString& message);

 private:
  void run_step(int step);
  void on_notification(const QString& method, const nlohmann::json& params);

  BackendClient* client_;
  DemoProject demo_;
  int step_ = -1;
  qint64 job_ = 0;
};

}  // namespace glossa::app
