#include <QApplication>
#include <QCommandLineParser>

#include "app/backend_client.h"
#include "app/demo_project.h"
#include "app/main_window.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("Glossa"));
  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Workbench for adapting LLMs to a new language"));
  parser.addHelpOption();
  QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("Open the demo project."));
  parser.addOption(demo);
  parser.process(app);

  QString name = QStringLiteral("Untitled project");
  if (parser.isSet(demo)) name = glossa::ensureDemoProject().name;
  // The backend does the work; the window shows whether it is there (started when none answers).
  glossa::app::BackendClient backend(glossa::app::BackendClient::Options{});
  glossa::MainWindow window(name, &backend);
  window.show();
  backend.open();
  return app.exec();
}
