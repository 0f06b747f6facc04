// JSON files compiled into a library (cmake/GlossaEmbedJson.cmake): the benchmark task
// definitions (resources/tasks) and the stage-schedule presets (resources/presets).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace glossa {

namespace detail {
struct EmbeddedJson {
  const char* name;  // the file name without .json
  const char* text;  // its contents
};
}  // namespace detail

// Names of an embedded array (ending with {nullptr, nullptr}), and one entry's text.
std::vector<std::string> embedded_names(const detail::EmbeddedJson* files);
std::optional<std::string> embedded_text(const detail::EmbeddedJson* files,
                                         const std::string& name);

}  // namespace glossa
