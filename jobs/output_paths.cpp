#include "jobs/output_paths.h"

#include <filesystem>
#include <system_error>

#include "base/error.h"

namespace glossa::jobs {

void refuse_overwriting_inputs(const std::vector<std::string>& outputs,
                               const std::vector<std::string>& inputs) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const std::string& out : outputs) {
    const fs::path o = fs::weakly_canonical(out, ec);
    if (ec) continue;  // unresolvable: writing it fails later, with its own words
    for (const std::string& in : inputs) {
      const fs::path i = fs::weakly_canonical(in, ec);
      if (!ec && o == i)
        fail(out, "is also an input of this job (" + in +
                      "): writing it would destroy the input; choose another output");
    }
  }
}

void refuse_folder_prefix(const std::string& job, const std::string& prefix) {
  namespace fs = std::filesystem;
  if (!prefix.empty() && prefix.back() != '/' && !fs::is_directory(prefix)) return;
  fail(job + ", 'out' \"" + prefix + "\"",
       "is a folder, but it is a prefix: give e.g. \"" + (fs::path(prefix) / "name").string() +
           "\" for the outputs there");
}

}  // namespace glossa::jobs
