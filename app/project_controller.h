// The open project: new / open / recent through the backend (project.open), remembered in
// QSettings ("projects/recent", newest first, at most 8; "projects/last" reopened at start).
#pragma once

#include <QObject>
#include <QStringList>
#include <nlohmann/json.hpp>

namespace glossa::app {

class BackendClient;

class ProjectController : public QObject {
  Q_OBJECT

 public:
  static constexpr int kMaxRecent = 8;
  explicit ProjectController(BackendClient* client, QObject* parent = nullptr);

  // Asks the backend; projectOpened or failed follows.
  void open(const QString& path, bool create = false, const QString& name = QString());
  const nlohmann::json& project() const { return project_; }  // null before the first open
  QString path() const;
  QString name() const;
  QStringList recent() const;
  QString last() const;  // the project open when the workbench last closed ("" = none)

 Q_SIGNALS:
  void projectOpened(const nlohmann::json& project);
  void failed(const QString& path, const QString& message);

 private:
  void remember(const QString& path);
  BackendClient* client_;
  nlohmann::json project_;
};

}  // namespace glossa::app
