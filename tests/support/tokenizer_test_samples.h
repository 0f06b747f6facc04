// Sample texts and the Python reference runner shared by test_model_merge,
// test_hf_tokenizer_files and test_tokenizer_trainer (header-only, test code).
#pragma once

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <string>
#include <vector>

#include "support/test_support.h"
#include "tokenizer/corpus/corpus_reader.h"

namespace glossa::test {

// Reviews of NSMC (korean/nsmc_reviews.tsv, column "review"), skipping the first `skip`.
inline std::vector<std::string> nsmcReviews(const QString& path, size_t count, size_t skip = 0) {
  CorpusReaderOptions options;
  options.format = CorpusFormat::kTsv;
  options.column = "review";
  CorpusReader reader(path.toStdString(), options);
  std::vector<std::string> out;
  Document doc;
  size_t seen = 0;
  while (out.size() < count && reader.next(&doc)) {
    if (seen++ >= skip) out.push_back(doc.text);
  }
  return out;
}

// Non-empty lines of the GerDraCor plays (german/gerdracor_plays.jsonl, field "text").
inline std::vector<std::string> gerdracorLines(const QString& path, size_t count) {
  CorpusReaderOptions options;
  options.format = CorpusFormat::kJsonl;
  CorpusReader reader(path.toStdString(), options);
  std::vector<std::string> out;
  Document doc;
  while (out.size() < count && reader.next(&doc)) {
    size_t start = 0;
    while (out.size() < count && start <= doc.text.size()) {
      size_t end = doc.text.find('\n', start);
      if (end == std::string::npos) end = doc.text.size();
      if (end > start) out.push_back(doc.text.substr(start, end - start));
      start = end + 1;
    }
  }
  return out;
}

// A few sentences of Chinese (news-style and everyday), for the Chinese-LLaMA merge.
inline std::vector<std::string> chineseSamples() {
  return {"人工智能是计算机科学的一个分支，它企图了解智能的实质。",
          "今天天气很好，我们一起去公园散步吧。",
          "中国科学院自动化研究所发布了新的中文大语言模型。",
          "北京是中华人民共和国的首都，也是全国的政治和文化中心。",
          "这部电影的剧情非常感人，演员的表演也很出色！",
          "根据国家统计局的数据，2023年国内生产总值增长了5.2%。",
          "他说：“学习一门新的语言需要耐心和坚持。”",
          "混合文本 mixed text with English words 和数字 12345。"};
}

// Writes one text per line into dir/name; returns the path.
inline QString writeLines(const QTemporaryDir& dir, const QString& name,
                          const std::vector<std::string>& lines) {
  const QString path = dir.filePath(name);
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly)) return {};
  for (const auto& line : lines) {
    file.write(line.data(), qint64(line.size()));
    file.write("\n");
  }
  return path;
}

// Runs tests/python/tokenizer_reference.py and parses its JSON output (empty object on failure,
// with the error printed).
inline QJsonObject runReference(const QString& py, const QStringList& args) {
  const auto r = run(py, QStringList{pythonScript("tokenizer_reference.py")} + args);
  if (!r.finished || r.exit_code != 0) {
    qWarning("tokenizer_reference.py %s failed (%d): %s", qPrintable(args.join(' ')), r.exit_code,
             r.err.constData());
    return {};
  }
  return QJsonDocument::fromJson(r.out).object();
}

inline std::vector<int> toIds(const QJsonValue& value) {
  std::vector<int> ids;
  for (const auto& v : value.toArray()) ids.push_back(v.toInt());
  return ids;
}

}  // namespace glossa::test
