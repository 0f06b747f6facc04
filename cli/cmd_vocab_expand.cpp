// glossa-cli vocab expand --base B.model --intermediate I.model --corpus FILE... --min-freq N
//   [--script hangul] [--char-min-freq M] [--include P]... [--exclude P]... [--max-iterations K]
//   [--threads N] [--score-policy zero] [--project DB] [--options EXPAND.json] --out DIR [--json]
// The EEVE procedure (methods.md, steps 1-7; docs/vocabulary-expansion.md).
#include <memory>
#include <sstream>

#include "cli/cli_commands.h"
#include "cli/cli_common.h"
#include "tokenizer/file_util.h"
#include "tokenizer/vocab_expander.h"

namespace glossa::cli {

namespace {
struct ExpandFlags {
  GlobalFlags global;
  ReaderFlags reader;
  std::string options_file, out, project;
  ExpansionOptions options;
};

ExpansionOptions resolve(const ExpandFlags& f, const CLI::App& cmd) {
  ExpansionOptions o = f.options;
  if (!f.options_file.empty()) {
    // The file gives the defaults; flags given on the command line win.
    try {
      o = ExpansionOptions::from_json(nlohmann::json::parse(read_file(f.options_file)));
    } catch (const nlohmann::json::exception& e) {
      fail(f.options_file, std::string("not valid JSON: ") + e.what());
    }
    const auto given = [&](const char* name) { return cmd.count(name) > 0; };
    if (given("--base")) o.base_model = f.options.base_model;
    if (given("--intermediate")) o.intermediate_model = f.options.intermediate_model;
    if (given("--corpus")) o.corpus_files = f.options.corpus_files;
    if (given("--min-freq")) o.min_freq = f.options.min_freq;
    if (given("--script")) o.script = f.options.script;
    if (given("--char-min-freq")) o.char_min_freq = f.options.char_min_freq;
    if (given("--include")) o.force_include = f.options.force_include;
    if (given("--exclude")) o.force_exclude = f.options.force_exclude;
    if (given("--max-iterations")) o.max_iterations = f.options.max_iterations;
    if (given("--threads")) o.threads = f.options.threads;
    if (given("--score-policy")) o.score_policy = f.options.score_policy;
  } else {
    o.reader = f.reader.resolve();
  }
  if (o.base_model.empty()) fail("--base", "the base tokenizer is required");
  if (o.intermediate_model.empty())
    fail("--intermediate", "the intermediate tokenizer is required");
  if (o.corpus_files.empty()) fail("--corpus", "at least one corpus file is required");
  return o;
}

std::string describe(const ExpansionOutput& out, const std::string& dir) {
  std::ostringstream text;
  text << "expanded vocabulary -> " << dir << " (decisions: session " << out.session_id << " in "
       << out.database << ")\n"
       << out.report.dump(2) << "\n";
  return text.str();
}
}  // namespace

void add_vocab_expand_command(CLI::App* vocab) {
  auto f = std::make_shared<ExpandFlags>();
  ExpansionOptions& o = f->options;
  auto* cmd = vocab->add_subcommand(
      "expand",
      "EEVE vocabulary expansion: candidates from an intermediate tokenizer, counted, "
      "filtered to a fixed point, merged into the base");
  cmd->add_option("--base", o.base_model, "Base SentencePiece model (ids kept)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--intermediate", o.intermediate_model, "Tokenizer trained on the new language")
      ->check(CLI::ExistingFile);
  cmd->add_option("--corpus", o.corpus_files, "Corpus files counted at each iteration")
      ->check(CLI::ExistingFile);
  cmd->add_option("--min-freq", o.min_freq, "Drop candidates counted fewer times")
      ->capture_default_str();
  cmd->add_option("--script", o.script, "Only candidates with a character of this script: hangul, han, kana, latin, cyrillic, arabic");
  cmd->add_option("--char-min-freq", o.char_min_freq,
                  "Add single script characters seen at least this often (0 = off)")
      ->capture_default_str();
  cmd->add_option("--include", o.force_include, "Piece kept whatever its count (repeatable)");
  cmd->add_option("--exclude", o.force_exclude, "Piece never added (repeatable)");
  cmd->add_option("--max-iterations", o.max_iterations, "Counting passes at most")
      ->capture_default_str();
  cmd->add_option("--threads", o.threads, "Counting threads")->capture_default_str();
  cmd->add_option("--score-policy", o.score_policy, "zero, keep or below-base")
      ->capture_default_str();
  cmd->add_option("--options", f->options_file, "ExpansionOptions JSON; flags given override it")
      ->check(CLI::ExistingFile);
  cmd->add_option("--project", f->project,
                  "Project database for the decisions (default OUT/glossa-project.sqlite)")
      ->envname("GLOSSA_PROJECT");
  cmd->add_option("--out", f->out, "Output folder")->required();
  add_reader_flags(cmd, &f->reader);
  add_global_flags(cmd, &f->global);
  cmd->callback([f, cmd] {
    const ExpansionOptions options = resolve(*f, *cmd);
    const ExpansionOutput out =
        run_vocab_expansion(options, f->out, f->project, make_job("vocab expand", f->global));
    nlohmann::json result = out.report;
    result["out"] = f->out;
    result["database"] = out.database;
    result["session_id"] = out.session_id;
    emit(f->global, result, describe(out, f->out));
  });
}

}  // namespace glossa::cli
