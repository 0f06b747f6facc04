// A form row for a path: a line edit and a Browse… button that opens a file or folder chooser
// starting at what is typed. The dialogs that ask for tokenizers, models and shards share it.
#pragma once

#include <QString>

class QFormLayout;
class QLineEdit;
class QWidget;

namespace glossa::app {

enum class PathKind { kFile, kFolder };

QLineEdit* add_path_row(QWidget* owner, QFormLayout* form, const QString& label, PathKind kind,
                        const QString& filter = QString());

}  // namespace glossa::app
