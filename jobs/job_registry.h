// The registry of every engine job (docs/jobs.md): what `glossa-cli` runs from its flags and
// `glossa-backend` runs for its clients, by the same name with the same options JSON and the
// same result JSON. Torch-free and Qt-free: jobs that need LibTorch, and jobs that fork, run in
// a child process (`glossa-worker`, child_job.h), so a multithreaded daemon can run them safely.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/job_control.h"
#include "jobs/option_schema.h"

namespace glossa::jobs {

enum class Isolation {
  kInProcess,     // runs on the caller's thread
  kChildProcess,  // forks (SentencePiece training): runs in glossa-worker
  kTorch,         // needs LibTorch: runs in glossa-worker, built with the training engine
};

struct JobSpec {
  std::string name;     // dotted, as the protocol names it: "vocab.count"
  std::string summary;  // one line
  Isolation isolation = Isolation::kInProcess;
  OptionSchema options;
  // Rules between options the schema cannot say (e.g. "requests and/or held_out"); throws
  // OptionsError. Runs with the schema's checks, before any process starts. May be empty.
  std::function<void(const JobOptions&)> check;
  // The work: normalized options in, result JSON out. Throws Error (CancelledError when
  // cancelled). Empty for torch jobs outside glossa-worker (the worker installs it).
  std::function<nlohmann::json(const JobOptions&, const JobControl&)> run;

  std::string doc() const;  // "docs/jobs.md#vocabcount": where the options are documented
};

// Every job, in the order docs/jobs.md lists them.
const std::vector<JobSpec>& all_jobs();
// The job of that name; throws Error listing the names when there is none.
const JobSpec& find_job(const std::string& name);

// Checks the options (normalize_options, then the job's own check) before anything runs; the
// normalized options. Throws OptionsError.
nlohmann::json check_job_options(const JobSpec& job, const nlohmann::json& options);

// Runs the job: checks its options, then runs it here or in a child process by its isolation.
// Progress and warnings reach `control`; cancelling it stops the job (a child is signalled).
nlohmann::json run_job(const JobSpec& job, const nlohmann::json& options,
                       const JobControl& control);

// For glossa-worker: runs the job in this process whatever its isolation.
nlohmann::json run_job_here(const JobSpec& job, const nlohmann::json& options,
                            const JobControl& control);

// For glossa-worker built with the training engine: installs the torch jobs' `run`.
void install_job_run(const std::string& name,
                     std::function<nlohmann::json(const JobOptions&, const JobControl&)> run);

}  // namespace glossa::jobs
