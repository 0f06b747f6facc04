// glossa-cli's side of a running job: progress and warnings on stderr ("[vocab expand] 42.0%
// counting pass 2 of at most 12 (...): 12000 documents, about 1 min left"), Ctrl-C and SIGTERM
// as cancellation. The result goes to stdout (print_result).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/job_control.h"

namespace glossa::cli {

// A JobControl that prints on stderr (progress unless `quiet`; warnings always) and that SIGINT
// and SIGTERM cancel. One at a time: a new one replaces the previous for the signals.
JobControl make_cli_job(const std::string& label, bool quiet);

// One progress line as make_cli_job prints it (without the newline).
std::string progress_line(const std::string& label, const JobProgress& p);

// The result on stdout: JSON (2-space indent) with --json or when there is no `human` text.
void print_result(bool json, const nlohmann::json& result, const std::string& human);

}  // namespace glossa::cli
