// Makes the demo project's first vocabulary session and its EEVE run through the backend, the way
// a person would with the CLI: an English base tokenizer (BPE with byte fallback, like Llama's)
// trained on the English demo text, a Korean intermediate tokenizer trained on the Korean text,
// an EEVE expansion of the base with Korean tokens into the demo project, shards packed with the
// base and the merged tokenizers, and a tiny Llama pretrained on the English (a real run, visible
// on the Runs page). Each step is a backend job or run; a step whose output exists is skipped, so
// a later open finishes what an interrupted one left. demo_runs.h has the runs' configurations.
#pragma once

#include <QObject>
#include <QString>
#include <nlohmann/json.hpp>
#include <vector>

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

  struct Step {
    QString kind;            // "job" or "run"
    QString name;            // job name ("tokenizer.train"); "run.start" for the run
    nlohmann::json options;  // job options, or the RUN.json object
    QString output;          // skipped when this file exists
    QString what;            // status bar text
  };
  std::vector<Step> steps() const;  // of the generated demo, or the stories260K one

 private:
  std::vector<Step> generated_steps() const;
  std::vector<Step> shared_steps() const;

 public:

 Q_SIGNALS:
  void progress(const QString& message);
  void finished();  // the project has its vocabulary session, shards and English model
  void failed(const QString& message);

 private:
  void run_step(size_t step);
  void on_notification(const QString& method, const nlohmann::json& params);

  BackendClient* client_;
  DemoProject demo_;
  std::vector<Step> steps_;
  size_t step_ = 0;
  qint64 job_ = 0;
  qint64 run_ = 0;
};

}  // namespace glossa::app
