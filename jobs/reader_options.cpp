#include "jobs/reader_options.h"

#include "base/error.h"
#include "tokenizer/corpus/corpus_stats.h"

namespace glossa::jobs {

namespace {
const char* const kReaderKeys[] = {"format",        "field",         "column",
                                   "column_index",  "no_header",     "max_doc_bytes",
                                   "max_invalid_utf8"};
}  // namespace

void add_reader_options(OptionSchema* schema, double max_invalid_utf8) {
  const CorpusReaderOptions defaults;
  schema->push_back(option("format", OptionType::kString,
                           "Input format: auto (by extension), txt, paragraphs, jsonl, tsv, csv")
                        .one_of({"auto", "txt", "text", "paragraphs", "jsonl", "tsv", "csv"}));
  schema->push_back(option("field", OptionType::kString,
                           "JSONL: key of the text field (default " + defaults.field + ")"));
  schema->push_back(option("column", OptionType::kString, "TSV/CSV: column name (header row)"));
  schema->push_back(option("column_index", OptionType::kInt,
                           "TSV/CSV: 0-based column when no name is given (-1 = last)")
                        .at_least(-1));
  schema->push_back(option("no_header", OptionType::kBool, "TSV/CSV: the first row is data"));
  schema->push_back(option("max_doc_bytes", OptionType::kInt,
                           "Split documents longer than this many bytes (default " +
                               std::to_string(defaults.max_document_bytes) + ")")
                        .at_least(1));
  schema->push_back(option("max_invalid_utf8", OptionType::kNumber,
                           "Fail when more than this share of the text is invalid UTF-8 (default " +
                               number_text(max_invalid_utf8) +
                               "; 1 = read it anyway, invalid bytes as U+FFFD)")
                        .at_least(0)
                        .at_most(1));
}

CorpusReaderOptions reader_options(const JobOptions& o, CorpusReaderOptions base) {
  if (o.has("format")) base.format = parse_corpus_format(o.text("format"));
  if (o.has("field")) base.field = o.text("field");
  if (o.has("column")) base.column = o.text("column");
  if (o.has("column_index")) base.column_index = int(o.integer("column_index"));
  if (o.has("no_header")) base.header = !o.flag("no_header");
  if (o.has("max_doc_bytes")) base.max_document_bytes = size_t(o.integer("max_doc_bytes"));
  if (o.has("max_invalid_utf8")) base.max_invalid_utf8_share = o.number("max_invalid_utf8");
  return base;
}

bool has_reader_options(const JobOptions& o) {
  for (const char* key : kReaderKeys)
    if (o.has(key)) return true;
  return false;
}

void require_text(const std::vector<std::string>& files, const CorpusReaderOptions& options) {
  MultiFileSource source(files, options);
  Document doc;
  while (source.next(&doc))
    if (doc.text.find_first_not_of(" \t\r\n\f\v") != std::string::npos) return;
  std::string names;
  for (const std::string& f : files) names += (names.empty() ? "" : ", ") + f;
  fail(names, std::string("no text: ") +
                  (files.size() == 1 ? "the file is empty or holds" : "the files are empty or hold") +
                  " only blank lines (or the --column / --field read holds none)");
}

std::unique_ptr<MultiFileSource> open_text(const std::vector<std::string>& files,
                                           const CorpusReaderOptions& options) {
  require_text(files, options);
  return std::make_unique<MultiFileSource>(files, options);
}

void report_reading(const CorpusReadStats& read, const JobControl& job, nlohmann::json* result) {
  (*result)["read"] = read_stats_to_json(read);
  if (read.invalid_utf8 > 0) {
    const InputProblem& p = read.first_invalid_utf8.front();
    job.warn(std::to_string(read.invalid_utf8) +
                 " invalid UTF-8 sequences were read as U+FFFD; the first at line " +
                 std::to_string(p.line),
             p.file);
  }
  if (read.skipped_records > 0) {
    const InputProblem& p = read.first_skipped.front();
    job.warn(std::to_string(read.skipped_records) + " records were skipped; the first at line " +
                 std::to_string(p.line) + ": " + p.what,
             p.file);
  }
}

}  // namespace glossa::jobs
