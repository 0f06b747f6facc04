// The demo project the first README command opens: a folder the workbench writes itself (never
// data from ../shared), so a newcomer sees every page with something in it. Its corpora are
// generated (demo_corpus.h); its vocabulary session is made by DemoSetup through the backend.
#pragma once

#include <QString>

namespace glossa {

struct DemoProject {
  QString directory;  // e.g. ~/.local/share/glossa/demo
  QString name;       // shown in the window title
  QString project;    // DIRECTORY/demo.glossa (created by the backend on first open)
  QString korean;     // DIRECTORY/demo_ko.txt: 30,000 generated Korean sentences
  QString english;    // DIRECTORY/demo_en.txt: 12,000 generated English sentences
};

// Creates (or reuses) the demo folder and its corpora under `data_home` (default: XDG data
// home / glossa). Returns an empty directory when the folder cannot be written.
DemoProject ensureDemoProject(const QString& data_home = QString());

}  // namespace glossa
