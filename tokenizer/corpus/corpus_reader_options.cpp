#include "tokenizer/corpus/corpus_reader_options.h"

#include <cctype>

#include "base/error.h"
#include "base/strict_json.h"

namespace glossa {

namespace {
std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

CorpusFormat parse_corpus_format(std::string_view name) {
  const std::string n = lower(std::string(name));
  if (n == "auto") return CorpusFormat::kAuto;
  if (n == "txt" || n == "text") return CorpusFormat::kText;
  if (n == "paragraphs") return CorpusFormat::kParagraphs;
  if (n == "jsonl") return CorpusFormat::kJsonl;
  if (n == "tsv") return CorpusFormat::kTsv;
  if (n == "csv") return CorpusFormat::kCsv;
  fail("corpus format", "unknown format '" + std::string(name) +
                            "'; use one of auto, text, paragraphs, jsonl, tsv, csv");
}

const char* corpus_format_name(CorpusFormat format) {
  switch (format) {
    case CorpusFormat::kAuto:
      return "auto";
    case CorpusFormat::kText:
      return "text";
    case CorpusFormat::kParagraphs:
      return "paragraphs";
    case CorpusFormat::kJsonl:
      return "jsonl";
    case CorpusFormat::kTsv:
      return "tsv";
    case CorpusFormat::kCsv:
      return "csv";
  }
  return "?";
}

CorpusFormat detect_corpus_format(const std::string& path) {
  std::string name = lower(path);
  for (const char* suffix : {".gz", ".zst", ".zstd"})
    if (ends_with(name, suffix)) name.resize(name.size() - std::string_view(suffix).size());
  if (ends_with(name, ".jsonl") || ends_with(name, ".json")) return CorpusFormat::kJsonl;
  if (ends_with(name, ".tsv")) return CorpusFormat::kTsv;
  if (ends_with(name, ".csv")) return CorpusFormat::kCsv;
  return CorpusFormat::kText;
}

nlohmann::json CorpusReaderOptions::to_json() const {
  return {{"format", corpus_format_name(format)},
          {"field", field},
          {"column", column},
          {"column_index", column_index},
          {"header", header},
          {"max_document_bytes", max_document_bytes},
          {"max_invalid_utf8", max_invalid_utf8_share}};
}

CorpusReaderOptions CorpusReaderOptions::from_json(const nlohmann::json& json,
                                                   const std::string& where) {
  StrictJson r(json, where, "docs/corpus-formats.md");
  CorpusReaderOptions o;
  std::string format = corpus_format_name(o.format);
  r.get("format", format);
  try {
    o.format = parse_corpus_format(format);
  } catch (const Error& e) {
    r.fail_key("format", std::string("is wrong: ") + e.what());
  }
  r.get("field", o.field);
  r.get("column", o.column);
  r.get("column_index", o.column_index);
  r.get("header", o.header);
  r.get("max_document_bytes", o.max_document_bytes);
  r.get("max_invalid_utf8", o.max_invalid_utf8_share);
  r.finish();
  if (!(o.max_invalid_utf8_share >= 0 && o.max_invalid_utf8_share <= 1))
    r.fail_key("max_invalid_utf8", "must be between 0 and 1");
  return o;
}

}  // namespace glossa
