#include "app/demo_project.h"

#include <QDir>
#include <QFile>
#include <QStandardPaths>

namespace glossa {

namespace {
// A few lines written for the demo (public-domain style sentences of our own), Korean and English.
const char* kDemoCorpus =
    "오늘은 날씨가 맑아서 공원에 산책을 갔습니다.\n"
    "이 영화는 정말 재미있었고 배우들의 연기도 훌륭했다.\n"
    "새로운 언어를 배우는 것은 어렵지만 즐거운 일이다.\n"
    "도서관에서 책을 빌려 읽는 것을 좋아합니다.\n"
    "The weather was clear today, so we went for a walk in the park.\n"
    "Learning a new language is hard but rewarding.\n"
    "언어 모델에 한국어 어휘를 추가하면 문장이 더 짧은 토큰 열이 됩니다.\n"
    "A tokenizer splits text into pieces that a model can read.\n";
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
  QDir().mkpath(demo.directory);
  demo.corpus = QDir(demo.directory).filePath(QStringLiteral("demo_corpus.txt"));
  if (!QFile::exists(demo.corpus)) {
    QFile file(demo.corpus);
    if (file.open(QIODevice::WriteOnly)) file.write(kDemoCorpus);
  }
  return demo;
}

}  // namespace glossa
