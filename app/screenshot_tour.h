// `glossa --demo --screenshots DIR` (packaging/screenshots.sh, docs/user-guide.md): drives the
// real window as a newcomer would once the demo is set up — the Vocabulary page, the New run
// dialog with the backend's plan for the demo's EEVE run, Start, then the Runs page when that run
// has finished, showing every held-out loss (Korean beside English) with its seven stage bands — saving each as a
// PNG, then quits (exit status 1 when a step did not happen within 15 minutes).
#pragma once

#include <QObject>
#include <QString>

namespace glossa {
class MainWindow;
}

namespace glossa::app {

class DemoSetup;

class ScreenshotTour : public QObject {
  Q_OBJECT

 public:
  ScreenshotTour(MainWindow* window, DemoSetup* setup, QString directory);

 private:
  void shoot(QWidget* widget, const char* name);
  void vocabulary();
  void new_run();
  void wait_for_run();
  void runs();

  MainWindow* window_;
  QString directory_;
  bool vocabulary_done_ = false;
  int runs_before_ = 0;  // rows of the runs table before Start
};

}  // namespace glossa::app
