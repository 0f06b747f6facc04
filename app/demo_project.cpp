#include "app/demo_project.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <QStandardPaths>

#include "app/demo_corpus.h"

namespace glossa {

namespace {

// Writes `text` unless the file already holds exactly it (a demo reopened costs nothing).
bool write_once(const QString& path, const QString& text) {
  const QByteArray bytes = text.toUtf8();
  QFile existing(path);
  if (existing.open(QIODevice::ReadOnly) && existing.size() == bytes.size()) return true;
  QSaveFile file(path);
  return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size() && file.commit();
}

}  // namespace

DemoProject ensureDemoProject(const QString& data_home) {
  QString home = data_home;
  if (home.isEmpty()) {
    home = QDir(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation))
               .filePath(QStringLiteral("glossa"));
  }
  DemoProject demo;
  demo.name = QStringLiteral("Glossa demo");
  demo.directory = QDir(home).filePath(QStringLiteral("demo"));
  demo.project = QDir(demo.directory).filePath(QStringLiteral("demo.glossa"));
  demo.korean = QDir(demo.directory).filePath(QStringLiteral("demo_ko.txt"));
  demo.english = QDir(demo.directory).filePath(QStringLiteral("demo_en.txt"));
  const app::DemoCorpusSizes sizes;
  if (!QDir().mkpath(demo.directory) ||
      !write_once(demo.korean, app::demo_korean_text(sizes.korean_sentences)) ||
      !write_once(demo.english, app::demo_english_text(sizes.english_sentences)))
    demo.directory.clear();
  return demo;
}

}  // namespace glossa
