// corpus stats and corpus clean in words.
#include <cstdio>
#include <sstream>

#include "cli/describe.h"
#include "tokenizer/clean/corpus_cleaner.h"
#include "tokenizer/corpus/corpus_stats.h"

namespace glossa::cli {

namespace {

std::string percent(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", 100.0 * share);
  return text;
}

std::string describe_file(const std::string& file, const CorpusStats& s, bool from_cache) {
  std::ostringstream out;
  out << file << (from_cache ? "  (unchanged since last scan: from the project database)" : "")
      << "\n  documents " << s.documents << ", bytes " << s.bytes << ", characters " << s.chars
      << ", words " << s.words << "\n  exact duplicates " << s.duplicate_documents() << " ("
      << percent(s.duplicate_ratio()) << ")\n  characters by script:";
  for (size_t c = 0; c < kScriptClassCount; ++c) {
    const double share = s.char_share(static_cast<ScriptClass>(c));
    if (share >= 0.0005)
      out << " " << script_class_name(static_cast<ScriptClass>(c)) << " " << percent(share);
  }
  out << "\n";
  if (s.read && (s.read->invalid_utf8 > 0 || s.read->skipped_records > 0)) {
    out << "  input problems: " << s.read->invalid_utf8 << " invalid UTF-8 sequences replaced, "
        << s.read->skipped_records << " records skipped\n";
    for (const auto& p : s.read->first_invalid_utf8)
      out << "    " << p.file << ":" << p.line << " (byte " << p.byte_offset << "): " << p.what
          << "\n";
    for (const auto& p : s.read->first_skipped)
      out << "    " << p.file << ":" << p.line << ": " << p.what << "\n";
  }
  return out.str();
}

}  // namespace

std::string describe_corpus_stats(const nlohmann::json& result) {
  std::string text;
  for (const auto& entry : result)
    text += describe_file(entry.at("file").get<std::string>(), CorpusStats::from_json(entry),
                          entry.at("from_cache").get<bool>());
  return text;
}

std::string describe_corpus_clean(const nlohmann::json& r) {
  std::ostringstream out;
  const std::string output = r.at("output").get<std::string>();
  out << "kept " << r.at("documents_kept") << " of " << r.at("documents_in") << " documents ("
      << r.at("bytes_kept") << " of " << r.at("bytes_in") << " bytes) -> " << output << "\n";
  for (const auto& f : r.at("filters"))
    out << "  " << f.at("name").get<std::string>() << ": removed " << f.at("documents")
        << " documents, " << f.at("bytes") << " bytes\n";
  out << "report: " << clean_report_path(output) << "\n";
  return out.str();
}

}  // namespace glossa::cli
