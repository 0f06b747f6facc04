// glossa-cli vocab merge --base A.model --add B.model --out M.model [--score-policy zero] [--hf-dir
// DIR]
#include <sstream>

#include "cli/cli_commands.h"
#include "cli/cli_common.h"
#include "tokenizer/hf_tokenizer_files.h"
#include "tokenizer/model_merge.h"
#include "tokenizer/sp_model.h"

namespace glossa::cli {

namespace {
struct MergeFlags {
  GlobalFlags global;
  std::string base, add, out, score_policy = "zero", hf_dir;
};

void run_merge(const MergeFlags& f) {
  const SpModel base = SpModel::load(f.base);
  const SpModel add = SpModel::load(f.add);
  MergeOptions options;
  options.score_policy = parse_score_policy(f.score_policy);
  MergeReport report;
  const SpModel merged = merge_models(base, add, options, &report);
  make_parent_dir(f.out);
  merged.save(f.out);
  if (!f.hf_dir.empty()) write_hf_tokenizer_folder(merged, f.hf_dir, HfTokenizerOptions{});
  nlohmann::json result = report.to_json();
  result["out"] = f.out;
  result["fingerprint"] = merged.fingerprint();
  std::ostringstream text;
  text << "merged " << f.base << " (" << report.base_size << " pieces) + " << report.appended
       << " new pieces from " << f.add << " -> " << f.out << " (" << report.merged_size
       << " pieces; skipped " << report.skipped_duplicates << " duplicates, "
       << report.skipped_special << " special)\n";
  emit(f.global, result, text.str());
}
}  // namespace

void add_vocab_merge_command(CLI::App* vocab) {
  auto flags = std::make_shared<MergeFlags>();
  auto* cmd = vocab->add_subcommand(
      "merge",
      "Append every piece of --add that --base lacks (Chinese-LLaMA merge); base ids, "
      "scores and types unchanged");
  cmd->add_option("--base", flags->base, "Base SentencePiece model")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--add", flags->add, "Model whose new pieces are appended")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", flags->out, "Merged .model to write")->required();
  cmd->add_option("--score-policy", flags->score_policy,
                  "Score of appended pieces: zero (Chinese-LLaMA), keep, below-base")
      ->capture_default_str();
  cmd->add_option("--hf-dir", flags->hf_dir,
                  "Also write a Hugging Face tokenizer folder (tokenizer.model + configs) here");
  add_global_flags(cmd, &flags->global);
  cmd->callback([flags] { run_merge(*flags); });
}

}  // namespace glossa::cli
