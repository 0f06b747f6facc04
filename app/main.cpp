#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QStatusBar>
#include <QStyleFactory>
#include <QTimer>

#include "app/backend_client.h"
#include "app/demo_project.h"
#include "app/demo_runs.h"
#include "app/demo_setup.h"
#include "app/icons.h"
#include "app/runs/runs_page.h"
#include "app/screenshot_tour.h"
#include "app/main_window.h"
#include "app/project_controller.h"
#include "app/vocab/vocabulary_page.h"

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
  QCommandLineOption screenshots(QStringLiteral("screenshots"),
                                 QStringLiteral("With --demo: set it up, curate nothing, plan and start "
                                                "its EEVE run, save the pages as PNGs in this folder when "
                                                "it has finished, then quit (docs/screenshots)."),
                                 QStringLiteral("dir"));
  QCommandLineOption shared_demo(QStringLiteral("demo-stories260k"),
                                 QStringLiteral("Open the second demo: stories260K extended with Korean "
                                                "from the NSMC reviews in this data folder (e.g. "
                                                "../shared/data)."),
                                 QStringLiteral("data"));
  QCommandLineOption dark(QStringLiteral("dark"),
                          QStringLiteral("Use a dark palette (desktops without a colour scheme; screenshots)."));
  parser.addOption(dark);
  parser.addOption(demo);
  parser.addOption(shared_demo);
  parser.addOption(project);
  parser.addOption(screenshots);
  parser.process(app);
  if (parser.isSet(dark)) QApplication::setPalette(glossa::app::dark_palette());

  QString name = QStringLiteral("No project");
  QString path = parser.value(project);
  glossa::DemoProject d;
  if (parser.isSet(shared_demo)) {
    QString why;
    d = glossa::ensureSharedDemoProject(parser.value(shared_demo), &why);
    if (d.directory.isEmpty()) {
      QMessageBox::critical(nullptr, QStringLiteral("Glossa"), QStringLiteral("The stories260K demo cannot open: %1").arg(why));
      return 1;
    }
    name = d.name;
    if (path.isEmpty()) path = d.project;
  } else if (parser.isSet(demo)) {
    d = glossa::ensureDemoProject();
    if (d.directory.isEmpty()) qFatal("cannot write the demo project's folder");
    name = d.name;
    if (path.isEmpty()) path = d.project;
  }
  // The backend does the work; the window shows whether it is there (started when none answers).
  glossa::app::BackendClient backend(glossa::app::BackendClient::Options{});
  glossa::MainWindow window(name, &backend);
  glossa::app::ProjectController* projects = window.projects();
  if (path.isEmpty()) path = projects->last();
  // Once connected (and again after a backend restart, when nothing is open yet).
  QObject::connect(&backend, &glossa::app::BackendClient::connected, &window, [projects, path, &d] {
    if (!path.isEmpty() && projects->path().isEmpty())
      projects->open(path, true, path == d.project ? d.name : QString());
  });
  // The demo's first open makes its vocabulary session, shards and English model (backend jobs and
  // a run), then shows them; later opens skip what exists.
  glossa::app::DemoSetup setup(&backend, d);
  bool setup_started = false;
  if (!d.project.isEmpty()) {
    QObject::connect(projects, &glossa::app::ProjectController::projectOpened, &window,
                     [&](const nlohmann::json& p) {
                       if (p.value("path", "") != QFileInfo(d.project).absoluteFilePath().toStdString()) return;
                       window.showPage(2);
                       window.runsPage()->set_new_run_defaults(glossa::app::demo_eeve_request(d));
                       if (!setup_started) setup.start();  // its steps whose outputs exist are skipped
                       setup_started = true;
                     });
    QObject::connect(&setup, &glossa::app::DemoSetup::progress, &window,
                     [&](const QString& m) { window.statusBar()->showMessage(m); });
    QObject::connect(&setup, &glossa::app::DemoSetup::finished, &window,
                     [&] {
                       projects->open(d.project);
                       window.statusBar()->showMessage(
                           QStringLiteral("Demo ready: curate on the Vocabulary page, then Runs → New run… "
                                          "starts the EEVE run"), 15000);
                     });
    QObject::connect(&setup, &glossa::app::DemoSetup::failed, &window, [&](const QString& m) {
      QMessageBox::warning(&window, QStringLiteral("Demo"), QStringLiteral("Setting up the demo failed:\n\n%1").arg(m));
    });
  }
  if (parser.isSet(screenshots) && !d.project.isEmpty())
    new glossa::app::ScreenshotTour(&window, &setup, parser.value(screenshots));
  window.show();
  backend.open();
  return app.exec();
}
