#include "app/project_controller.h"

#include <QSettings>

#include "app/backend_client.h"

namespace glossa::app {

ProjectController::ProjectController(BackendClient* client, QObject* parent)
    : QObject(parent), client_(client) {}

void ProjectController::open(const QString& path, bool create, const QString& name) {
  nlohmann::json params = {{"path", path.toStdString()}};
  if (create) params["create"] = true;
  if (!name.isEmpty()) params["name"] = name.toStdString();
  client_->call("project.open", params,
                [this, path](const nlohmann::json& r, const protocol::RpcError* e) {
                  if (e) return Q_EMIT failed(path, QString::fromStdString(e->message));
                  project_ = r.at("project");
                  remember(this->path());
                  Q_EMIT projectOpened(project_);
                });
}

QString ProjectController::path() const {
  return project_.is_object() ? QString::fromStdString(project_.value("path", "")) : QString();
}

QString ProjectController::name() const {
  return project_.is_object() ? QString::fromStdString(project_.value("name", "")) : QString();
}

QStringList ProjectController::recent() const {
  return QSettings().value(QStringLiteral("projects/recent")).toStringList();
}

QString ProjectController::last() const {
  return QSettings().value(QStringLiteral("projects/last")).toString();
}

void ProjectController::remember(const QString& path) {
  QStringList list = recent();
  list.removeAll(path);
  list.prepend(path);
  while (list.size() > kMaxRecent) list.removeLast();
  QSettings settings;
  settings.setValue(QStringLiteral("projects/recent"), list);
  settings.setValue(QStringLiteral("projects/last"), path);
}

}  // namespace glossa::app
