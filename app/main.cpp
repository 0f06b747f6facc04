#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QStyleFactory>

#include "app/backend_client.h"
#include "app/demo_project.h"
#include "app/main_window.h"
#include "app/project_controller.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("Glossa"));
  QApplication::setOrganizationName(QStringLiteral("Glossa"));
  QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Workbench for adapting LLMs to a new language"));
  parser.addHelpOption();
  QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("Open the demo project."));
  QCommandLineOption project(QStringLiteral("project"),
                             QStringLiteral("Open (creating it if needed) this project file."),
                             QStringLiteral("file"));
  parser.addOption(demo);
  parser.addOption(project);
  parser.process(app);

  QString name = QStringLiteral("No project");
  QString path = parser.value(project);
  if (parser.isSet(demo)) {
    const glossa::DemoProject d = glossa::ensureDemoProject();
    name = d.name;
    if (path.isEmpty()) path = QDir(d.directory).filePath(QStringLiteral("demo.glossa"));
  }
  // The backend does the work; the window shows whether it is there (started when none answers).
  glossa::app::BackendClient backend(glossa::app::BackendClient::Options{});
  glossa::MainWindow window(name, &backend);
  glossa::app::ProjectController* projects = window.projects();
  if (path.isEmpty()) path = projects->last();
  // Once connected (and again after a backend restart, when nothing is open yet).
  QObject::connect(&backend, &glossa::app::BackendClient::connected, &window, [projects, path] {
    if (!path.isEmpty() && projects->path().isEmpty()) projects->open(path, true);
  });
  window.show();
  backend.open();
  return app.exec();
}
