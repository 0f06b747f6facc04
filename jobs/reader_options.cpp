#include "jobs/reader_options.h"

namespace glossa::jobs {

namespace {
const char* const kReaderKeys[] = {"format", "field", "column", "column_index", "no_header",
                                   "max_doc_bytes"};
}  // namespace

void add_reader_options(OptionSchema* schema) {
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
}

CorpusReaderOptions reader_options(const JobOptions& o, CorpusReaderOptions base) {
  if (o.has("format")) base.format = parse_corpus_format(o.text("format"));
  if (o.has("field")) base.field = o.text("field");
  if (o.has("column")) base.column = o.text("column");
  if (o.has("column_index")) base.column_index = int(o.integer("column_index"));
  if (o.has("no_header")) base.header = !o.flag("no_header");
  if (o.has("max_doc_bytes")) base.max_document_bytes = size_t(o.integer("max_doc_bytes"));
  return base;
}

bool has_reader_options(const JobOptions& o) {
  for (const char* key : kReaderKeys)
    if (o.has(key)) return true;
  return false;
}

}  // namespace glossa::jobs
