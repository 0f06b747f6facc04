#include "widgets/placeholder_page.h"

#include <QLabel>
#include <QVBoxLayout>

namespace glossa {

PlaceholderPage::PlaceholderPage(const QString& title, const QString& description, QWidget* parent)
    : QWidget(parent), title_(new QLabel(title, this)) {
  QFont font = title_->font();
  font.setPointSizeF(font.pointSizeF() * 1.6);
  font.setBold(true);
  title_->setFont(font);
  auto* text = new QLabel(description, this);
  text->setWordWrap(true);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(title_);
  layout->addWidget(text);
  layout->addStretch(1);
}

QString PlaceholderPage::title() const { return title_->text(); }

}  // namespace glossa
