// glossa-worker: runs one engine job in its own process for glossa-cli and glossa-backend
// (docs/jobs.md, "Child processes"). Usage: glossa-worker run NAME < OPTIONS.json
// Not meant to be started by hand; its protocol is JSON lines on stdout (jobs/child_job.h).
#include <cstring>
#include <iostream>

#include "jobs/child_job.h"
#ifdef GLOSSA_WORKER_TORCH
#include "jobs/torch/model_job_runs.h"
#endif

int main(int argc, char** argv) {
  if (argc != 3 || std::strcmp(argv[1], "run") != 0) {
    std::cerr << "usage: glossa-worker run JOB < OPTIONS.json\n"
                 "Runs one job of glossa-cli's job list in this process and writes its events\n"
                 "as JSON lines on stdout (docs/jobs.md). Use glossa-cli to run jobs.\n";
    return 2;
  }
#ifdef GLOSSA_WORKER_TORCH
  glossa::jobs::install_model_job_runs();
#endif
  return glossa::jobs::serve_job_in_worker(argv[2]);
}
