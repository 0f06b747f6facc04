#include "app/runs/new_run_request.h"

#include <QCoreApplication>
#include <QFileInfo>

namespace glossa::app {

using nlohmann::json;

namespace {
std::string s(const QString& q) { return q.toStdString(); }
QString tr(const char* text) { return QCoreApplication::translate("NewRunRequest", text); }
}  // namespace

QString shard_name(const QString& prefix) { return QFileInfo(prefix).fileName(); }

json NewRunRequest::config() const {
  json overrides = json::object();
  if (steps_per_stage > 0) overrides["budget_steps"] = steps_per_stage;
  if (seq_len > 0) overrides["seq_len"] = seq_len;
  if (micro_batch > 0) overrides["micro_batch"] = micro_batch;
  if (peak_lr > 0) overrides["peak_lr"] = peak_lr;
  if (eval_every_steps > 0) overrides["eval_every_steps"] = eval_every_steps;
  json schedule = {{"preset", s(preset)}};
  if (!overrides.empty()) schedule["all_stages"] = overrides;
  json data_sources = json::array();
  for (const DataSource& d : sources)
    data_sources.push_back({{"name", s(shard_name(d.prefix))}, {"prefix", s(d.prefix)},
                            {"weight", d.weight}});
  json held = json::array();
  for (const QString& h : heldout) held.push_back({{"name", s(shard_name(h))}, {"prefix", s(h)}});
  json c = {{"run_dir", s(run_dir)},
            {"schedule", schedule},
            {"data", {{"sources", data_sources}, {"seed", 1}}},
            {"heldout", held},
            {"device", s(device)},
            {"threads", threads}};
  if (!model.isEmpty()) c["model"] = {{"path", s(model)}};
  if (!tokenizer.isEmpty()) c["tokenizer"] = {{"path", s(tokenizer)}};
  if (!new_token_map.isEmpty()) c["new_token_map"] = s(new_token_map);
  if (seq_len > 0) c["eval"] = {{"seq_len", seq_len}};
  if (!dtype.isEmpty()) c["dtype"] = s(dtype);
  return c;
}

json NewRunRequest::params() const {
  json p = {{"world_size", ranks}, {"device", s(device)}};
  if (!config_file.isEmpty()) {
    p["config"] = s(QFileInfo(config_file).absoluteFilePath());
  } else {
    p["config"] = config();
    p["base_dir"] = s(QFileInfo(run_dir).absolutePath());
  }
  if (device == QLatin1String("cuda") && !gpus.isEmpty()) {
    json g = json::array();
    for (int i : gpus) g.push_back(i);
    p["gpus"] = g;
  }
  return p;
}

QString NewRunRequest::problem() const {
  if (!config_file.isEmpty())
    return QFileInfo(config_file).isFile() ? QString() : tr("%1 does not exist.").arg(config_file);
  if (run_dir.isEmpty()) return tr("Choose the run folder.");
  if (!QFileInfo(run_dir).isAbsolute()) return tr("The run folder must be an absolute path.");
  if (sources.isEmpty()) return tr("Add at least one training shard.");
  if (device == QLatin1String("cuda") && !gpus.isEmpty() && gpus.size() != ranks)
    return tr("List one GPU per rank (%1 ranks, %2 GPUs).").arg(ranks).arg(gpus.size());
  return {};
}

}  // namespace glossa::app
