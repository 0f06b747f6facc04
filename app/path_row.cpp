#include "app/path_row.h"

#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>

namespace glossa::app {

QLineEdit* add_path_row(QWidget* owner, QFormLayout* form, const QString& label, PathKind kind,
                        const QString& filter) {
  auto* edit = new QLineEdit;
  auto* browse = new QPushButton(QObject::tr("Browse…"));
  auto* row = new QHBoxLayout;
  row->addWidget(edit, 1);
  row->addWidget(browse);
  form->addRow(label, row);
  QObject::connect(browse, &QPushButton::clicked, owner, [owner, edit, kind, label, filter] {
    const QString f = kind == PathKind::kFolder
                          ? QFileDialog::getExistingDirectory(owner, label, edit->text())
                          : QFileDialog::getOpenFileName(owner, label, edit->text(), filter);
    if (!f.isEmpty()) edit->setText(f);
  });
  return edit;
}

}  // namespace glossa::app
