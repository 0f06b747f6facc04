#include "base/embedded_json.h"

namespace glossa {

std::vector<std::string> embedded_names(const detail::EmbeddedJson* files) {
  std::vector<std::string> names;
  for (; files->name; ++files) names.push_back(files->name);
  return names;
}

std::optional<std::string> embedded_text(const detail::EmbeddedJson* files,
                                         const std::string& name) {
  for (; files->name; ++files)
    if (name == files->name) return std::string(files->text);
  return std::nullopt;
}

}  // namespace glossa
