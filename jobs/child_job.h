// Running a job in a child process, `glossa-worker` (docs/jobs.md, "Child processes"): the
// parent starts it with exec (posix_spawn: never a bare fork of a threaded process), writes the
// options on its stdin and reads its events as JSON lines on its stdout:
//   {"event":"progress", ...JobProgress}   {"event":"warning", ...JobWarning}
//   {"event":"result","result":{...}}      {"event":"error","message":"...","cancelled":false}
// Cancelling the parent's JobControl sends the child SIGTERM (SIGKILL after a grace period);
// the job cleans up, so nothing partial is left behind.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/job_control.h"

namespace glossa::jobs {

// The worker executable: $GLOSSA_WORKER, else glossa-worker beside the running program.
std::string worker_path();

// Runs job `name` with `options` (as given; checked by the caller) in glossa-worker; its result. Throws Error with the
// child's message, or CancelledError.
nlohmann::json run_in_child(const std::string& name, const nlohmann::json& options,
                            const JobControl& control);

// The worker's side: serves one job on stdin/stdout (worker_main.cpp). Returns the exit status.
int serve_job_in_worker(const std::string& name);

}  // namespace glossa::jobs
