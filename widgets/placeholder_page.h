// A page that is not built yet: its title and what it will hold, so the shell shows every page.
#pragma once

#include <QWidget>

class QLabel;

namespace glossa {

class PlaceholderPage : public QWidget {
  Q_OBJECT
 public:
  PlaceholderPage(const QString& title, const QString& description, QWidget* parent = nullptr);
  QString title() const;

 private:
  QLabel* title_;
};

}  // namespace glossa
