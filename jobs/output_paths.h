// Outputs that would overwrite a job's own inputs (`pack --out reviews` beside reviews.bin, `corpus
// clean --out` naming the corpus) are refused before anything runs (docs/jobs.md).
#pragma once

#include <string>
#include <vector>

namespace glossa::jobs {

// Throws Error naming both paths when an output is the same file as an input (compared after
// resolving `.`, `..` and symbolic links).
void refuse_overwriting_inputs(const std::vector<std::string>& outputs,
                               const std::vector<std::string>& inputs);

// Throws Error when `prefix` (an output prefix such as PREFIX.model or PREFIX.bin) names a folder
// or ends in '/': the outputs would be hidden files inside it (dir/.model).
void refuse_folder_prefix(const std::string& job, const std::string& prefix);

}  // namespace glossa::jobs
