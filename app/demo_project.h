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
  // The second demo (ensureSharedDemoProject): the shared data folder it reads stories260K
  // from; empty for the generated demo. `korean` is then the first 20,000 NSMC reviews (TSV,
  // column "review") and `english` the shared TinyStories sample.
  QString shared_data;
};

// Creates (or reuses) the demo folder and its corpora under `data_home` (default: XDG data
// home / glossa). Returns an empty directory when the folder cannot be written.
DemoProject ensureDemoProject(const QString& data_home = QString());

// The second demo, on real data (issue 20, section 4): stories260K (llama2.c) extended with Korean
// tokens from Naver movie reviews, EEVE stages, English held-out loss beside Korean. Needs
// `shared_data` (../shared/data or a path the user gives) to hold models/stories260K,
// korean/nsmc_reviews.tsv and english/tinystories_sample.txt; returns an empty directory and
// sets `why` when it does not, or when the folder cannot be written.
DemoProject ensureSharedDemoProject(const QString& shared_data, QString* why,
                                    const QString& data_home = QString());

}  // namespace glossa
