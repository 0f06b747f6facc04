// The workbench's look: icons by freedesktop name (document-new, media-playback-start, ...): the desktop's theme when
// it has the name, else the fallback shipped in resources/icons (compiled in), so the workbench
// looks the same under Xvfb, on a bare window manager and in a KDE or GNOME session.
#pragma once

#include <QIcon>
#include <QPalette>

namespace glossa::app {

QIcon themed_icon(const char* freedesktop_name);

// A dark Fusion palette (`glossa --dark`) for desktops that give none, and to check that every
// page stays readable in one (docs/screenshots/dark).
QPalette dark_palette();

}  // namespace glossa::app
