#include "app/vocab/expansion_request.h"

#include <stdexcept>

namespace glossa::app {

using nlohmann::json;

json expansion_job_options(const json& session_options, qint64 min_freq, const json& overrides,
                           const QString& out, const QString& project) {
  // ExpansionOptions::to_json key -> vocab.expand option (docs/vocabulary-expansion.md).
  static const std::pair<const char*, const char*> kRenamed[] = {
      {"base_model", "base"}, {"intermediate_model", "intermediate"}, {"corpus_files", "corpus"},
      {"script", "script"}, {"char_min_freq", "char_min_freq"},
      {"max_iterations", "max_iterations"}, {"threads", "threads"},
      {"score_policy", "score_policy"}};
  json o = json::object();
  for (const auto& [from, to] : kRenamed) {
    if (!to || !session_options.contains(from)) continue;
    o[to] = session_options.at(from);
  }
  for (const char* required : {"base", "intermediate", "corpus"})
    if (!o.contains(required))
      throw std::runtime_error(std::string("the session's options lack '") + required + "'");
  if (o.value("char_min_freq", json(0)) == json(0)) o.erase("char_min_freq");
  if (o.value("script", json("")) == json("")) o.erase("script");
  if (session_options.value("piece_chars", true) == false) o["no_piece_chars"] = true;
  if (const auto r = session_options.find("reader"); r != session_options.end() && r->is_object()) {
    // CorpusReaderOptions::to_json -> the reader options (jobs/reader_options.cpp).
    o["format"] = r->value("format", "auto");
    if (r->contains("field")) o["field"] = r->at("field");
    if (r->value("column", "") != "") o["column"] = r->at("column");
    if (r->contains("column_index")) o["column_index"] = r->at("column_index");
    if (r->value("header", true) == false) o["no_header"] = true;
    if (r->contains("max_document_bytes")) o["max_doc_bytes"] = r->at("max_document_bytes");
    if (r->contains("max_invalid_utf8")) o["max_invalid_utf8"] = r->at("max_invalid_utf8");
  }
  json include = json::array(), exclude = json::array();
  for (const json& x : overrides) {
    const std::string action = x.value("action", "");
    if (action == "include") include.push_back(x.at("piece"));
    if (action == "exclude") exclude.push_back(x.at("piece"));
  }
  if (!include.empty()) o["include"] = include;
  if (!exclude.empty()) o["exclude"] = exclude;
  o["min_freq"] = min_freq;
  o["out"] = out.toStdString();
  o["project"] = project.toStdString();
  return o;
}

}  // namespace glossa::app
