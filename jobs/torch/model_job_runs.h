// Installs the work of the LibTorch jobs into the job registry (glossa-worker only).
#pragma once

namespace glossa::jobs {

void install_model_job_runs();

}  // namespace glossa::jobs
