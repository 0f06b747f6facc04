// The workbench's main window: only assembles pages, menus and docks (docs/architecture.md: no
// god window). Pages not built yet say so plainly.
#pragma once

#include <QMainWindow>
#include <nlohmann/json.hpp>

class QLabel;
class QListWidget;
class QMenu;
class QStackedWidget;
class QUndoStack;

namespace glossa {

namespace app {
class BackendClient;
class JobsPanel;
class ProjectController;
class RunsPage;
class VocabularyPage;
}  // namespace app

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  // `backend`: the connection the pages use and the status bar shows; null = a shell without
  // a backend (pages are placeholders).
  explicit MainWindow(const QString& project_name, app::BackendClient* backend = nullptr,
                      QWidget* parent = nullptr);
  ~MainWindow() override;

  QStringList pageTitles() const;
  void showPage(int index);
  int currentPage() const;
  QString connectionText() const;  // what the status bar says about the backend
  app::ProjectController* projects() const { return projects_; }
  app::VocabularyPage* vocabularyPage() const { return vocabulary_; }
  app::RunsPage* runsPage() const { return runs_; }
  app::JobsPanel* jobsPanel() const { return jobs_; }
  QUndoStack* undoStack() const { return undo_; }

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void addPage(const QString& title, QWidget* page);
  void addPlaceholder(const QString& title, const QString& description);
  void buildMenus();
  void fillRecentMenu();
  void newProject();
  void openProject();
  void onProjectOpened(const nlohmann::json& project);

  QListWidget* navigation_;
  QStackedWidget* pages_;
  QLabel* connection_;
  QUndoStack* undo_;
  app::BackendClient* backend_;
  app::ProjectController* projects_ = nullptr;
  app::VocabularyPage* vocabulary_ = nullptr;
  app::RunsPage* runs_ = nullptr;
  app::JobsPanel* jobs_ = nullptr;
  QMenu* recent_ = nullptr;
};

}  // namespace glossa
