// glossa-cli: every engine job of the job layer as a subcommand (docs/cli.md). The flags of each
// subcommand come from the job's option schema and become its options JSON; the registry runs
// it (jobs that fork or need LibTorch in glossa-worker); --json prints the job's result.
// `glossa-cli job list` and `glossa-cli job run NAME --options FILE.json` run jobs from JSON, as
// the backend does. Exit status: 0 done, 1 failed (the message says why), 2 bad usage,
// 130 cancelled (Ctrl-C).
#include <iostream>
#include <map>
#include <memory>

#include "base/error.h"
#include "base/file_util.h"
#include "cli/describe.h"
#include "cli/job_flags.h"
#include "cli/progress_printer.h"
#include "jobs/job_registry.h"

namespace {

using glossa::jobs::JobSpec;

const std::map<std::string, std::string> kGroups = {
    {"corpus", "Inspect and clean corpora"},
    {"tokenizer", "Train and analyse SentencePiece tokenizers"},
    {"vocab", "Count tokens, expand (EEVE) and merge vocabularies"},
    {"bench", "Prepare multiple-choice benchmarks for scoring"},
    {"model", "Run, import and resize language models"},
};

// A subcommand and what parsing fills in.
struct Command {
  const JobSpec* job = nullptr;  // null for `job run`
  CLI::App* app = nullptr;
  std::unique_ptr<glossa::cli::JobFlags> flags;
  glossa::cli::Presentation presentation;
  bool json = false, quiet = false;
  std::string run_name, run_options;  // `job run NAME --options FILE`
};

std::string label_of(const std::string& name) {
  std::string label = name;
  for (char& c : label)
    if (c == '.') c = ' ';
  return label;
}

void add_output_flags(CLI::App* app, Command* c) {
  app->add_flag("--json", c->json, "Print the result as JSON on stdout");
  app->add_flag("-q,--quiet", c->quiet, "No progress on stderr");
}

// The subcommand a job hangs under: the app for "pack", the group "vocab" for "vocab.count".
CLI::App* parent_for(CLI::App& app, const std::string& name, std::string* leaf) {
  static std::map<std::string, CLI::App*> groups;
  const size_t dot = name.find('.');
  if (dot == std::string::npos) {
    *leaf = name;
    return &app;
  }
  const std::string group = name.substr(0, dot);
  *leaf = name.substr(dot + 1);
  CLI::App*& parent = groups[group];
  if (!parent) {
    const auto it = kGroups.find(group);
    parent = app.add_subcommand(group, it == kGroups.end() ? group : it->second);
    parent->require_subcommand(1);
  }
  return parent;
}

std::unique_ptr<Command> add_job_command(CLI::App& app, const JobSpec& job) {
  auto c = std::make_unique<Command>();
  c->job = &job;
  std::string leaf;
  c->app = parent_for(app, job.name, &leaf)->add_subcommand(leaf, job.summary);
  c->flags = std::make_unique<glossa::cli::JobFlags>(c->app, job.options);
  glossa::cli::add_presentation_flags(job.name, c->app, &c->presentation);
  add_output_flags(c->app, c.get());
  return c;
}

nlohmann::json job_list_json() {
  nlohmann::json list = nlohmann::json::array();
  for (const JobSpec& job : glossa::jobs::all_jobs()) {
    nlohmann::json options = nlohmann::json::array();
    for (const auto& o : job.options) options.push_back(o.to_json());
    const char* isolation = job.isolation == glossa::jobs::Isolation::kInProcess ? "in_process"
                            : job.isolation == glossa::jobs::Isolation::kChildProcess
                                ? "child_process"
                                : "torch";
    list.push_back({{"name", job.name}, {"summary", job.summary}, {"isolation", isolation},
                    {"doc", job.doc()}, {"options", options}});
  }
  return list;
}

int run_command(const Command& c) {
  const JobSpec& job = c.job ? *c.job : glossa::jobs::find_job(c.run_name);
  const nlohmann::json options =
      c.job ? c.flags->options() : glossa::read_json_file(c.run_options);
  const glossa::JobControl control = glossa::cli::make_cli_job(label_of(job.name), c.quiet);
  const nlohmann::json result = glossa::jobs::run_job(job, options, control);
  const std::string human =
      c.json ? "" : glossa::cli::describe_result(job.name, result, options, c.presentation);
  glossa::cli::print_result(c.json, result, human);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"glossa-cli: Glossa's corpus, tokenizer, vocabulary and model jobs from the "
               "command line"};
  app.require_subcommand(1);
  std::vector<std::unique_ptr<Command>> commands;
  for (const JobSpec& job : glossa::jobs::all_jobs()) commands.push_back(add_job_command(app, job));

  CLI::App* job_group = app.add_subcommand(
      "job", "List the jobs, or run one from its JSON options (what glossa-backend runs)");
  job_group->require_subcommand(1);
  bool list_json = false;
  CLI::App* list = job_group->add_subcommand("list", "Name every job (dotted, as the protocol)");
  list->add_flag("--json", list_json, "Every job with its options schema, as JSON");
  auto run = std::make_unique<Command>();
  run->app = job_group->add_subcommand("run", "Run a job from its options JSON (docs/jobs.md)");
  run->app->add_option("name", run->run_name, "The job, e.g. vocab.count")->required();
  run->app->add_option("--options", run->run_options, "The job's options (a JSON object)")
      ->required()
      ->check(CLI::ExistingFile);
  add_output_flags(run->app, run.get());
  commands.push_back(std::move(run));

  try {
    app.parse(argc, argv);
    if (list->parsed()) {
      if (list_json) {
        std::cout << job_list_json().dump(2) << std::endl;
      } else {
        for (const JobSpec& job : glossa::jobs::all_jobs())
          std::cout << job.name << "\t" << job.summary << "\n";
      }
      return 0;
    }
    for (const auto& c : commands)
      if (c->app->parsed()) return run_command(*c);
    return 2;
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);  // prints the help or the usage error
    return status == 0 ? 0 : 2;
  } catch (const glossa::jobs::OptionsError& e) {
    std::cerr << "glossa-cli: error: " << e.what() << "\n";
    return 2;  // bad usage: the options, found before anything ran
  } catch (const glossa::CancelledError&) {
    std::cerr << "glossa-cli: cancelled; no partial output was left behind\n";
    return 130;
  } catch (const glossa::Error& e) {
    std::cerr << "glossa-cli: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "glossa-cli: unexpected error: " << e.what() << "\n";
    return 1;
  }
}
