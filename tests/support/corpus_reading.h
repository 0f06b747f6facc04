// Helpers of the corpus readers' tests (test_corpus_reader, test_byte_source): read a whole file,
// write test files, catch an error's message, and a small mixed-script text (header-only).
#pragma once

#include <QString>
#include <QTemporaryDir>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "support/compression.h"
#include "support/test_support.h"
#include "tokenizer/corpus/corpus_reader.h"

namespace glossa::test {

// Three short lines in Hangul, with an emoji (4-byte UTF-8) and ASCII.
inline const std::string kMixedScriptLines = "첫 번째 문서\n두 번째 줄 \U0001F600\nthird line\n";

struct ReadResult {
  std::vector<Document> docs;
  CorpusReadStats stats;
  double progress = 0;
  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (const auto& d : docs) out.push_back(d.text);
    return out;
  }
};

// Reader options that read any amount of invalid UTF-8: the reading tests feed small files that
// are mostly invalid on purpose (the limit itself has its own test).
inline CorpusReaderOptions lenient() {
  CorpusReaderOptions o;
  o.max_invalid_utf8_share = 1;
  return o;
}

// Every document of `path`, with the reader's statistics and final progress.
inline ReadResult read_all(const std::string& path, CorpusReaderOptions options = lenient()) {
  CorpusReader reader(path, options);
  ReadResult result;
  Document doc;
  while (reader.next(&doc)) result.docs.push_back(doc);
  result.stats = reader.stats();
  result.progress = reader.progress();
  return result;
}

// Writes `content` to dir/name; returns the path.
inline std::string write(const QTemporaryDir& dir, const QString& name, std::string_view content) {
  const std::string path = dir.filePath(name).toStdString();
  std::ofstream(path, std::ios::binary).write(content.data(), std::streamsize(content.size()));
  return path;
}

// The message of the glossa::Error `action` throws, or "" when it throws none.
inline std::string expect_error(const std::function<void()>& action) {
  return error_of(action).toStdString();
}

}  // namespace glossa::test
