// glossa-cli corpus stats FILE... [--format F] [--field F] [--column C] [--script S]
//                              [--threads N] [--project DB] [--json]
#include <cstdio>
#include <memory>
#include <sstream>

#include "cli/cli_commands.h"
#include "cli/cli_common.h"
#include "tokenizer/corpus_scanner.h"
#include "tokenizer/corpus_store.h"
#include "tokenizer/sqlite_db.h"

namespace glossa::cli {

namespace {
struct StatsFlags {
  GlobalFlags global;
  ReaderFlags reader;
  std::vector<std::string> files;
  std::string script = "hangul";
  int threads = 2;
  std::string project;  // SQLite project file; empty = no cache
};

std::string percent(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", 100.0 * share);
  return text;
}

std::string describe(const std::string& file, const CorpusStats& s, bool from_cache) {
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

void run_stats(const StatsFlags& f) {
  const CorpusReaderOptions options = f.reader.resolve();
  const ScriptClass target = parse_script_class(f.script);
  std::unique_ptr<SqliteDb> db;
  if (!f.project.empty()) db = std::make_unique<SqliteDb>(f.project);
  nlohmann::json result = nlohmann::json::array();
  std::string human;
  for (const std::string& file : f.files) {
    const JobControl job = make_job("corpus stats " + file, f.global);
    CachedScan scan;
    if (db) {
      scan = scan_file_cached(*db, file, options, target, f.threads, job);
    } else {
      CorpusReader reader(file, options);
      scan.stats = scan_corpus(reader, target, f.threads, job);
    }
    nlohmann::json entry = scan.stats.to_json();
    entry["file"] = file;
    entry["from_cache"] = scan.from_cache;
    result.push_back(entry);
    human += describe(file, scan.stats, scan.from_cache);
  }
  emit(f.global, result, human);
}
}  // namespace

void add_corpus_stats_command(CLI::App* corpus) {
  auto flags = std::make_shared<StatsFlags>();
  auto* cmd = corpus->add_subcommand("stats",
                                     "Statistics of corpus files: sizes, scripts, lengths, "
                                     "duplicates and quality signals");
  cmd->add_option("files", flags->files, "Corpus files (plain, .gz or .zst)")
      ->required()
      ->check(CLI::ExistingFile);
  add_reader_flags(cmd, &flags->reader);
  cmd->add_option(
         "--script", flags->script,
         "Target script for the script-share signal: hangul, han, kana, latin, cyrillic, arabic")
      ->capture_default_str();
  cmd->add_option("--threads", flags->threads, "Worker threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--project", flags->project,
                  "Project database (SQLite): statistics are stored there and an unchanged file is "
                  "not rescanned")
      ->envname("GLOSSA_PROJECT");
  add_global_flags(cmd, &flags->global);
  cmd->callback([flags] { run_stats(*flags); });
}

}  // namespace glossa::cli
