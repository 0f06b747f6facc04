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
  return !bytes.isEmpty() && file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size() &&
         file.commit();
}

QString glossa_home(const QString& data_home) {
  if (!data_home.isEmpty()) return data_home;
  return QDir(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation))
      .filePath(QStringLiteral("glossa"));
}

// The first `lines` lines of `source` (the header and reviews), so the demo's counts stay small.
QString head_lines(const QString& source, int lines) {
  QFile in(source);
  if (!in.open(QIODevice::ReadOnly)) return {};
  QByteArray out;
  for (int i = 0; i < lines && !in.atEnd(); ++i) out += in.readLine();
  return QString::fromUtf8(out);
}

}  // namespace

DemoProject ensureDemoProject(const QString& data_home) {
  const QString home = glossa_home(data_home);
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

DemoProject ensureSharedDemoProject(const QString& shared_data, QString* why, const QString& data_home) {
  const QDir data(shared_data);
  const QString reviews = data.filePath(QStringLiteral("korean/nsmc_reviews.tsv"));
  for (const char* need : {"models/stories260K/stories260K.bin", "models/stories260K/tok512.bin",
                           "korean/nsmc_reviews.tsv", "english/tinystories_sample.txt"}) {
    if (!QFileInfo(data.filePath(QLatin1String(need))).isFile()) {
      *why = QStringLiteral("%1 is missing: the stories260K demo needs stories260K, the NSMC reviews "
                            "and the TinyStories sample there")
                 .arg(data.filePath(QLatin1String(need)));
      return {};
    }
  }
  DemoProject demo;
  demo.name = QStringLiteral("Glossa demo: stories260K to Korean");
  demo.shared_data = data.absolutePath();
  demo.directory = QDir(glossa_home(data_home)).filePath(QStringLiteral("demo-stories260k"));
  demo.project = QDir(demo.directory).filePath(QStringLiteral("demo.glossa"));
  demo.korean = QDir(demo.directory).filePath(QStringLiteral("reviews.tsv"));
  demo.english = data.filePath(QStringLiteral("english/tinystories_sample.txt"));
  if (!QDir().mkpath(demo.directory) || !write_once(demo.korean, [&] { return head_lines(reviews, 20001); })) {
    *why = QStringLiteral("cannot write %1").arg(demo.korean);
    return {};
  }
  return demo;
}

}  // namespace glossa
