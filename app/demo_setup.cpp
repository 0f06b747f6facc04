#include "app/demo_setup.h"

#include <QDir>
#include <QFile>

#include "app/backend_client.h"
#include "app/demo_runs.h"

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

std::vector<DemoSetup::Step> DemoSetup::steps() const {
  return demo_.shared_data.isEmpty() ? generated_steps() : shared_steps();
}

// The walkthrough's commands (docs/walkthrough.md) as backend jobs: clean 20,000 NSMC reviews,
// a 2,000-piece Korean BPE, stories260K imported (untied), the EEVE expansion of tok512.bin,
// Korean and TinyStories shards packed with the merged tokenizer.
std::vector<DemoSetup::Step> DemoSetup::shared_steps() const {
  const auto path = [this](const char* relative) { return demo_path(demo_, QLatin1String(relative)); };
  const QString stories = QDir(demo_.shared_data).filePath(QStringLiteral("models/stories260K/"));
  const QString cleaned = path("ko.jsonl"), merged = path("vocab/first/tokenizer.model");
  const QString job = QStringLiteral("job");
  const json clean = {{"files", {demo_.korean.toStdString()}}, {"column", "review"},
                      {"out", cleaned.toStdString()}, {"target_script", "hangul"}, {"min_chars", 5}};
  const json train = {{"input", {cleaned.toStdString()}}, {"vocab_size", 2000}, {"model_type", "bpe"},
                      {"character_coverage", 0.9995}, {"threads", 1}, {"out", path("ko_bpe").toStdString()}};
  const json import = {{"llama2c", (stories + QStringLiteral("stories260K.bin")).toStdString()},
                       {"tokenizer", (stories + QStringLiteral("tok512.bin")).toStdString()},
                       {"untie_embeddings", true}, {"out", path("base").toStdString()}};
  const json expand = {{"base", (stories + QStringLiteral("tok512.bin")).toStdString()},
                       {"intermediate", path("ko_bpe.model").toStdString()},
                       {"corpus", {cleaned.toStdString()}}, {"script", "hangul"}, {"min_freq", 150},
                       {"char_min_freq", 150}, {"out", path("vocab/first").toStdString()},
                       {"project", demo_.project.toStdString()}};
  json english = demo_pack_options(demo_, QStringLiteral("en"), merged, demo_.english);
  english["heldout"] = 0.3;  // 206 stories: enough held out for a steady English curve
  return {
      {job, QStringLiteral("corpus.clean"), clean, cleaned, tr("Demo: cleaning 20,000 movie reviews…")},
      {job, QStringLiteral("tokenizer.train"), train, path("ko_bpe.model"), tr("Demo: training a Korean tokenizer…")},
      {job, QStringLiteral("model.import"), import, path("base/config.json"), tr("Demo: importing stories260K…")},
      {job, QStringLiteral("vocab.expand"), expand, merged, tr("Demo: expanding the vocabulary (EEVE)…")},
      {job, QStringLiteral("pack"), demo_pack_options(demo_, QStringLiteral("ko"), merged, cleaned),
       path("shards/ko.manifest.json"), tr("Demo: packing Korean shards…")},
      {job, QStringLiteral("pack"), english, path("shards/en.manifest.json"), tr("Demo: packing English shards…")}};
}

std::vector<DemoSetup::Step> DemoSetup::generated_steps() const {
  const auto path = [this](const char* relative) { return demo_path(demo_, QLatin1String(relative)); };
  const QString base = path("base.model"), merged = path("vocab/first/tokenizer.model");
  const QString job = QStringLiteral("job"), pack = QStringLiteral("pack");
  return {
      {job, QStringLiteral("tokenizer.train"), base_tokenizer_options(), base,
       tr("Demo: training the English base tokenizer…")},
      {job, QStringLiteral("tokenizer.train"), korean_tokenizer_options(), path("ko.model"),
       tr("Demo: training a Korean tokenizer…")},
      {job, QStringLiteral("vocab.expand"), expansion_options(), merged,
       tr("Demo: expanding the vocabulary (EEVE)…")},
      {job, pack, demo_pack_options(demo_, QStringLiteral("en_base"), base, demo_.english),
       path("shards/en_base.manifest.json"), tr("Demo: packing English shards…")},
      {job, pack, demo_pack_options(demo_, QStringLiteral("en"), merged, demo_.english),
       path("shards/en.manifest.json"), tr("Demo: packing English shards with the merged tokenizer…")},
      {job, pack, demo_pack_options(demo_, QStringLiteral("ko"), merged, demo_.korean),
       path("shards/ko.manifest.json"), tr("Demo: packing Korean shards with the merged tokenizer…")},
      {QStringLiteral("run"), QStringLiteral("run.start"), demo_base_run(demo_),
       path("runs/base/export/config.json"),
       tr("Demo: pretraining a tiny English Llama (the model EEVE extends)…")}};
}

void DemoSetup::start() {
  steps_ = steps();
  client_->subscribe({{"jobs", true}, {"runs", true}});
  QDir(demo_.directory).mkpath(QStringLiteral("shards"));
  // The project first, so the expansion records its session in a project (not a bare database).
  client_->call("project.open",
                {{"path", demo_.project.toStdString()}, {"create", true}, {"name", demo_.name.toStdString()}},
                [this](const json&, const protocol::RpcError* e) {
                  if (e) return Q_EMIT failed(QString::fromStdString(e->message));
                  run_step(0);
                });
}

void DemoSetup::run_step(size_t step) {
  step_ = step;
  if (step >= steps_.size()) return Q_EMIT finished();
  const Step& s = steps_[step];
  if (QFile::exists(s.output)) return run_step(step + 1);
  Q_EMIT progress(s.what);
  const bool run = s.kind == QLatin1String("run");
  const json params = run ? json{{"config", s.options}} : json{{"job", s.name.toStdString()}, {"options", s.options}};
  client_->call(run ? QStringLiteral("run.start") : QStringLiteral("job.submit"), params,
                [this, run](const json& r, const protocol::RpcError* e) {
                  if (e) return Q_EMIT failed(QString::fromStdString(e->message));
                  (run ? run_ : job_) = r.at(run ? "run" : "job").value("id", qint64(0));
                });
}

void DemoSetup::on_notification(const QString& method, const json& params) {
  const qint64 id = params.value("id", qint64(-1));
  if (run_ != 0 && id == run_ && method == QLatin1String("run.state")) {
    const std::string state = params.value("state", "");
    if (state == "finished") {
      run_ = 0;
      return run_step(step_ + 1);
    }
    if (state == "failed" || state == "stopped") {
      run_ = 0;
      const json error = params.value("error", json());
      return Q_EMIT failed(error.is_object() ? QString::fromStdString(error.value("message", ""))
                                             : tr("the demo's English pretraining run %1")
                                                   .arg(QString::fromStdString(state)));
    }
    return;
  }
  if (job_ == 0 || id != job_) return;
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
