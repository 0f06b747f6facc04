#include "app/screenshot_tour.h"

#include <QCoreApplication>
#include <QDir>
#include <QTimer>

#include "app/demo_setup.h"
#include "app/main_window.h"
#include "app/runs/new_run_dialog.h"
#include "app/runs/run_list_model.h"
#include "app/runs/runs_page.h"
#include "app/vocab/vocabulary_page.h"

namespace glossa::app {

namespace {
constexpr int kVocabularyPage = 2, kRunsPage = 5;  // MainWindow's page order
constexpr int kSettle = 700;                         // ms for queued replots to land
}  // namespace

ScreenshotTour::ScreenshotTour(MainWindow* window, DemoSetup* setup, QString directory)
    : QObject(window), window_(window), directory_(std::move(directory)) {
  QDir().mkpath(directory_);
  // The demo's setup reopens the project when it is done; the page then loads its session.
  connect(setup, &DemoSetup::finished, this, [this] {
    connect(window_->vocabularyPage(), &VocabularyPage::loaded, this, &ScreenshotTour::vocabulary);
    QTimer::singleShot(20000, this, &ScreenshotTour::vocabulary);  // loaded before we listened
  });
  connect(setup, &DemoSetup::failed, this, [] { QCoreApplication::exit(1); });
  QTimer::singleShot(15 * 60 * 1000, this, [] {
    qWarning("screenshot tour: a step did not happen within 15 minutes");
    QCoreApplication::exit(1);
  });
}

void ScreenshotTour::shoot(QWidget* widget, const char* name) {
  const QString path = QDir(directory_).filePath(QLatin1String(name));
  if (!widget->grab().save(path)) qWarning("screenshot tour: cannot write %s", qPrintable(path));
  else qInfo("wrote %s", qPrintable(path));
}

void ScreenshotTour::vocabulary() {
  if (vocabulary_done_) return;
  vocabulary_done_ = true;
  window_->showPage(kVocabularyPage);
  window_->resize(1560, 960);
  QTimer::singleShot(kSettle, this, [this] {
    shoot(window_, "vocabulary.png");
    new_run();
  });
}

void ScreenshotTour::new_run() {
  window_->showPage(kRunsPage);
  NewRunDialog* dialog = window_->runsPage()->open_new_run();
  connect(dialog, &NewRunDialog::planChecked, this, [this, dialog](bool ok) {
    if (!ok) {
      qWarning("screenshot tour: the demo's run was refused: %s", qPrintable(dialog->plan_text()));
      return QCoreApplication::exit(1);
    }
    QTimer::singleShot(kSettle, this, [this, dialog] {
      shoot(dialog, "new-run.png");
      runs_before_ = window_->runsPage()->model()->rowCount();
      dialog->accept();
      wait_for_run();
    });
  });
}

void ScreenshotTour::wait_for_run() {
  RunsPage* page = window_->runsPage();
  const auto selected = page->selected_runs();  // the page selects the run it started
  const bool started = page->model()->rowCount() > runs_before_ && selected.size() == 1 &&
                       page->model()->row_of(selected.front()) >= runs_before_;
  const QString state = started ? page->model()->state_of(selected.front()) : QString();
  if (state == QLatin1String("failed")) return QCoreApplication::exit(1);
  if (state != QLatin1String("finished")) {
    QTimer::singleShot(500, this, &ScreenshotTour::wait_for_run);
    return;
  }
  connect(page, &RunsPage::historyLoaded, this, &ScreenshotTour::runs, Qt::SingleShotConnection);
  page->set_series(QStringLiteral("eval:*:loss"));  // Korean beside English
}

void ScreenshotTour::runs() {
  QTimer::singleShot(kSettle, this, [this] {
    shoot(window_, "runs.png");
    QCoreApplication::exit(0);
  });
}

}  // namespace glossa::app
