// The workbench's main window: only assembles pages (docs/architecture.md: no god window).
#pragma once

#include <QMainWindow>

class QLabel;
class QListWidget;
class QStackedWidget;

namespace glossa {

namespace app {
class BackendClient;
}

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  // `backend`: the connection whose state the status bar shows; may be null (no backend yet).
  explicit MainWindow(const QString& project_name, app::BackendClient* backend = nullptr,
                      QWidget* parent = nullptr);

  QStringList pageTitles() const;
  void showPage(int index);
  int currentPage() const;
  QString connectionText() const;  // what the status bar says about the backend

 private:
  void addPage(const QString& title, const QString& description);
  QListWidget* navigation_;
  QStackedWidget* pages_;
  QLabel* connection_;
};

}  // namespace glossa
