// The workbench's main window: only assembles pages (docs/architecture.md: no god window).
#pragma once

#include <QMainWindow>

class QListWidget;
class QStackedWidget;

namespace glossa {

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(const QString& project_name, QWidget* parent = nullptr);

  QStringList pageTitles() const;
  void showPage(int index);
  int currentPage() const;

 private:
  void addPage(const QString& title, const QString& description);
  QListWidget* navigation_;
  QStackedWidget* pages_;
};

}  // namespace glossa
