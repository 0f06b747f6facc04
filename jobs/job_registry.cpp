#include "jobs/job_registry.h"

#include <algorithm>
#include <filesystem>

#include "base/error.h"
#include "jobs/child_job.h"
#include "jobs/job_catalog.h"

namespace glossa::jobs {

namespace {

std::vector<JobSpec>& registry() {
  static std::vector<JobSpec> jobs = [] {
    std::vector<JobSpec> all;
    for (auto part : {corpus_jobs, tokenizer_jobs, vocab_jobs, prepare_jobs, model_jobs}) {
      std::vector<JobSpec> some = part();
      all.insert(all.end(), std::make_move_iterator(some.begin()),
                 std::make_move_iterator(some.end()));
    }
    return all;
  }();
  return jobs;
}

}  // namespace

std::string JobSpec::doc() const {
  std::string anchor = name;
  anchor.erase(std::remove(anchor.begin(), anchor.end(), '.'), anchor.end());
  return "docs/jobs.md#" + anchor;
}

const std::vector<JobSpec>& all_jobs() { return registry(); }

const JobSpec& find_job(const std::string& name) {
  for (const JobSpec& job : registry())
    if (job.name == name) return job;
  std::string names;
  for (const JobSpec& job : registry()) names += (names.empty() ? "" : ", ") + job.name;
  fail("job '" + name + "'", "there is no such job; the jobs are " + names);
}

nlohmann::json check_job_options(const JobSpec& job, const nlohmann::json& options) {
  nlohmann::json normalized =
      normalize_options(job.options, options, "options of job " + job.name, job.doc());
  if (job.check) job.check(JobOptions(normalized));
  return normalized;
}

nlohmann::json run_job_here(const JobSpec& job, const nlohmann::json& options,
                            const JobControl& control) {
  if (!job.run)
    fail("job " + job.name,
         "this program was built without the training engine (LibTorch), which the job needs");
  const JobOptions checked(check_job_options(job, options));
  control.check_cancelled();
  try {
    return job.run(checked, control);
  } catch (const std::filesystem::filesystem_error& e) {
    // std::filesystem's own text ("filesystem error: cannot create directories: ...") reached
    // users as an "unexpected error": say which path and why, in the engine's words.
    const std::string path = e.path1().empty() ? "job " + job.name : e.path1().string();
    const std::string other = e.path2().empty() ? "" : " (with " + e.path2().string() + ")";
    fail(path, e.code().message() + other);
  }
}

nlohmann::json run_job(const JobSpec& job, const nlohmann::json& options,
                       const JobControl& control) {
  if (job.isolation == Isolation::kInProcess) return run_job_here(job, options, control);
  // Checked here too, so a mistake is reported before a process starts; the child gets the
  // options as given (it normalises them itself).
  check_job_options(job, options);
  return run_in_child(job.name, options, control);
}

void install_job_run(const std::string& name,
                     std::function<nlohmann::json(const JobOptions&, const JobControl&)> run) {
  for (JobSpec& job : registry())
    if (job.name == name) {
      job.run = std::move(run);
      return;
    }
  fail("install_job_run", "no job named '" + name + "'");
}

}  // namespace glossa::jobs
