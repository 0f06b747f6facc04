// Words about JSON values for error messages, shared by the message parser and the catalog's
// checks: the kind of a value ("integer", "array") and a clipped copy of a name a peer sent.
// Internal to glossa_protocol.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace glossa::protocol {

// "string", "integer", "number" (a fraction or exponent), "boolean", "object", "array", "null".
inline std::string json_kind(const nlohmann::json& value) {
  if (value.is_number_integer()) return "integer";
  if (value.is_number()) return "number";
  return value.type_name();
}

// Text from a peer shown back in an error: at most max_bytes, cut on a UTF-8 character boundary,
// so that echoing a megabyte-long key cannot make the error response itself longer than a line
// may be.
inline std::string clipped(std::string_view text, std::size_t max_bytes = 80) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

}  // namespace glossa::protocol
