#include "app/demo_project.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <functional>
#include <QSaveFile>
#include <QStandardPaths>

#include "app/demo_corpus.h"

namespace glossa {

namespace {

// Writes the text `make` returns unless the file exists (a demo reopened costs nothing at start).
bool write_once(const QString& path, const std::function<QString()>& make) {
  if (QFileInfo(path).size() > 0) return true;
  const QByteArray bytes = make().toUtf8();
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
      !write_once(demo.korean, [&] { return app::demo_korean_text(sizes.korean_sentences); }) ||
      !write_once(demo.english, [&] { return app::demo_english_text(sizes.english_sentences); }))
    demo.directory.clear();
  return demo;
}

}  // namespace glossa
