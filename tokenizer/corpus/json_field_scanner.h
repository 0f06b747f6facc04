// Fast path of the JSONL reader: takes one top-level string field out of a JSON object line
// without building a DOM. The line is still validated completely (RFC 8259 grammar, escapes,
// surrogate pairs, control characters), so whenever the scanner succeeds, nlohmann::json would
// have parsed the line to an object whose field holds the same string; on anything unusual
// (invalid JSON, missing field, a non-string value) it declines and the caller takes the slow,
// fully reporting path. Measured on GerDraCor plays (~100 kB lines): see docs/corpus-formats.md.
#pragma once

#include <string>
#include <string_view>

namespace glossa {

// True when `line` (valid UTF-8) is exactly one JSON object, optionally surrounded by JSON
// whitespace, whose top-level member `field` is a string; `*out` then holds that string decoded
// (the LAST occurrence when the key repeats, as nlohmann::json keeps it). False otherwise, with
// `*out` unspecified.
bool scan_json_string_field(std::string_view line, std::string_view field, std::string* out);

}  // namespace glossa
