#include "app/demo_setup.h"

#include <QDir>
#include <QFile>

#include "app/backend_client.h"

namespace glossa::app {

using nlohmann::json;

namespace {
std::string in(const DemoProject& d, const char* name) {
  return QDir(d.directory).filePath(QString::fromLatin1(name)).toStdString();
}
}  // namespace

DemoSetup::DemoSetup(BackendClient* client, DemoProject demo, QObject* parent)
    : QObject(parent), client_(client), demo_(std::move(demo)) {
  connect(client_, &BackendClient::notification, this, &DemoSetup::on_notification);
}

json DemoSetup::base_tokenizer_options() const {
  return {{"input", {demo_.english.toStdString()}}, {"vocab_size", 512}, {"model_type", "bpe"},
          {"byte_fallback", true}, {"character_coverage", 1.0}, {"threads", 1},
          {"out", in(demo_, "base")}};
}

json DemoSetup::korean_tokenizer_options() const {
  return {{"input", {demo_.korean.toStdString()}}, {"vocab_size", 400}, {"model_type", "bpe"},
          {"character_coverage", 0.9995}, {"threads", 1}, {"out", in(demo_, "ko")}};
}

json DemoSetup::expansion_options() const {
  return {{"base", in(demo_, "base.model")}, {"intermediate", in(demo_, "ko.model")},
          {"corpus", {demo_.korean.toStdString()}}, {"script", "hangul"}, {"min_freq", 30},
          {"out", in(demo_, "vocab/first")}, {"project", demo_.project.toStdString()}};
}

void DemoSetup::start() {
  client_->subscribe({{"jobs", true}});
  // The project first, so the expansion records its session in a project (not a bare database).
  client_->call("project.open",
                {{"path", demo_.project.toStdString()}, {"create", true}, {"name", demo_.name.toStdString()}},
                [this](const json&, const protocol::RpcError* e) {
                  if (e) return Q_EMIT failed(QString::fromStdString(e->message));
                  run_step(0);
                });
}

void DemoSetup::run_step(int step) {
  step_ = step;
  struct Step {
    const char* job;
    json options;
    const char* output;
    QString what;
  };
  const Step steps[] = {
      {"tokenizer.train", base_tokenizer_options(), "base.model",
       tr("Demo: training the English base tokenizer…")},
      {"tokenizer.train", korean_tokenizer_options(), "ko.model",
       tr("Demo: training a Korean tokenizer…")},
      {"vocab.expand", expansion_options(), nullptr, tr("Demo: expanding the vocabulary (EEVE)…")}};
  if (step >= 3) return Q_EMIT finished();
  const Step& s = steps[step];
  if (s.output && QFile::exists(QString::fromStdString(in(demo_, s.output)))) return run_step(step + 1);
  Q_EMIT progress(s.what);
  client_->call("job.submit", {{"job", s.job}, {"options", s.options}},
                [this](const json& r, const protocol::RpcError* e) {
                  if (e) return Q_EMIT failed(QString::fromStdString(e->message));
                  job_ = r.at("job").value("id", qint64(0));
                });
}

void DemoSetup::on_notification(const QString& method, const json& params) {
  if (job_ == 0 || params.value("id", qint64(-1)) != job_) return;
  if (method == QLatin1String("job.failed")) {
    job_ = 0;
    const json& error = params.value("error", json::object());
    return Q_EMIT failed(QString::fromStdString(error.value("message", "the demo job failed")));
  }
  if (method != QLatin1String("job.finished")) return;
  job_ = 0;
  run_step(step_ + 1);
}

}  // namespace glossa::app
