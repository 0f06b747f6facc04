// The demo project the first README command opens: a folder the workbench writes itself (never
// data from ../shared), so a newcomer sees every page with something in it.
#pragma once

#include <QString>

namespace glossa {

struct DemoProject {
  QString directory;  // e.g. ~/.local/share/glossa/demo
  QString name;       // shown in the window title
  QString corpus;     // a small mixed Korean / English corpus written by Glossa
};

// Creates (or reuses) the demo project under `data_home` (default: XDG data home / glossa).
DemoProject ensureDemoProject(const QString& data_home = QString());

}  // namespace glossa
