#include "protocol/rpc_message.h"

#include <algorithm>
#include <array>
#include <climits>

#include "protocol/json_words.h"

namespace glossa::protocol {

using nlohmann::json;

RpcException::RpcException(int code, const std::string& message, json data, json id)
    : std::runtime_error(message), error_{code, message, std::move(data)}, id_(std::move(id)) {}

namespace {

// A parse error quotes what the parser read; on a megabyte line that would be a megabyte.
constexpr std::size_t kMaxErrorText = 200;

// Offset of the first byte that is not well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or npos.
std::size_t first_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    // Continuation bytes that follow, and the allowed range of the first one (narrower after
    // E0 / F0: no overlong forms; after ED: no UTF-16 surrogates; after F4: nothing above
    // U+10FFFF). C0, C1 and F5..FF never start a character.
    std::size_t tail = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      tail = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      tail = 2;
      lo = c == 0xE0 ? 0xA0 : 0x80;
      hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
      tail = 3;
      lo = c == 0xF0 ? 0x90 : 0x80;
      hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
      return i;
    }
    for (std::size_t k = 1; k <= tail; ++k) {
      if (i + k >= s.size()) return i;
      const unsigned char b = static_cast<unsigned char>(s[i + k]);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return i;
    }
    i += tail + 1;
  }
  return std::string_view::npos;
}

// nlohmann's message without its "[json.exception...]" prefix and the "last read: '...'" quote.
std::string describe(const json::exception& e) {
  std::string text = e.what();
  if (const auto dash = text.find(" - "); dash != std::string::npos) {
    text.erase(0, dash + 3);
  } else if (const auto bracket = text.find("] "); bracket != std::string::npos) {
    text.erase(0, bracket + 2);
  }
  if (const auto last = text.find("; last read: '"); last != std::string::npos) {
    const auto expected = text.find("'; expected ", last);
    text.erase(last, expected == std::string::npos ? std::string::npos : expected + 1 - last);
  }
  return text;
}

json parse_json(std::string_view line) {
  try {
    return json::parse(line.begin(), line.end());
  } catch (const json::exception& e) {
    // Outside strings any byte >= 0x80 is a JSON error anyway; naming the encoding is clearer.
    if (const auto bad = first_invalid_utf8(line); bad != std::string_view::npos)
      throw RpcException(kParseError, "not valid UTF-8 (byte " + std::to_string(bad) + ")");
    std::string where;
    if (const auto* p = dynamic_cast<const json::parse_error*>(&e))
      where = " (column " + std::to_string(p->byte) + ")";
    throw RpcException(kParseError,
                       clipped("not valid JSON" + where + ": " + describe(e), kMaxErrorText));
  }
}

[[noreturn]] void refuse(const std::string& message, const json& id = nullptr) {
  throw RpcException(kInvalidRequest, message, nullptr, id);
}

json read_id(const json& object) {
  const auto it = object.find("id");
  if (it == object.end()) return nullptr;
  if (it->is_string() || it->is_number_integer() || it->is_null()) return *it;
  refuse("\"id\" must be a string, an integer or null (got " + json_kind(*it) + ")");
}

void check_envelope(const json& object, const json& id) {
  static constexpr std::array<std::string_view, 6> kMembers = {"jsonrpc", "id",     "method",
                                                               "params",  "result", "error"};
  for (const auto& [key, value] : object.items())
    if (std::find(kMembers.begin(), kMembers.end(), key) == kMembers.end())
      refuse("unknown member \"" + clipped(key) +
                 "\" (a JSON-RPC 2.0 message has jsonrpc, id, method, params, result, error)",
             id);
  const auto version = object.find("jsonrpc");
  if (version == object.end()) refuse("\"jsonrpc\": \"2.0\" is missing", id);
  if (!version->is_string() || version->get_ref<const std::string&>() != "2.0")
    refuse("\"jsonrpc\" must be \"2.0\" (got " + clipped(version->dump()) + ")", id);
}

Message read_call(json& object, const json& id) {
  if (object.contains("result") || object.contains("error"))
    refuse("a message has \"method\" or \"result\"/\"error\", not both", id);
  json& method = object["method"];
  if (!method.is_string())
    refuse("\"method\" must be a string (got " + json_kind(method) + ")", id);
  Message m;
  m.kind = object.contains("id") ? Message::Kind::kRequest : Message::Kind::kNotification;
  m.id = id;
  m.method = std::move(method.get_ref<std::string&>());
  const auto params = object.find("params");
  if (params == object.end()) {
    m.params = json::object();
  } else if (params->is_object()) {
    m.params = std::move(*params);
  } else {
    refuse("\"params\" must be an object (got " + json_kind(*params) +
               "; positional parameters are not supported)",
           id);
  }
  return m;
}

bool fits_int(const json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>() <= uint64_t(INT_MAX);
  if (!v.is_number_integer()) return false;
  const int64_t x = v.get<int64_t>();
  return x >= INT_MIN && x <= INT_MAX;
}

RpcError read_error(json& error, const json& id) {
  if (!error.is_object()) refuse("\"error\" must be an object (got " + json_kind(error) + ")", id);
  for (const auto& [key, value] : error.items())
    if (key != "code" && key != "message" && key != "data")
      refuse("unknown member \"error." + clipped(key) + "\" (it has code, message, data)", id);
  const auto code = error.find("code");
  if (code == error.end() || !fits_int(*code)) refuse("\"error.code\" must be an integer", id);
  const auto message = error.find("message");
  if (message == error.end() || !message->is_string())
    refuse("\"error.message\" must be a string", id);
  RpcError out;
  out.code = code->get<int>();
  out.message = std::move(message->get_ref<std::string&>());
  if (const auto data = error.find("data"); data != error.end()) out.data = std::move(*data);
  return out;
}

Message read_response(json& object, const json& id) {
  if (!object.contains("id")) refuse("a response needs an \"id\"");
  if (object.contains("params")) refuse("a response has no \"params\"", id);
  const bool has_result = object.contains("result");
  if (has_result && object.contains("error"))
    refuse("a response has \"result\" or \"error\", not both", id);
  Message m;
  m.id = id;
  if (has_result) {
    m.kind = Message::Kind::kResult;
    m.result = std::move(object["result"]);
  } else {
    m.kind = Message::Kind::kError;
    m.error = read_error(object["error"], id);
  }
  return m;
}

// dump() throws on a string that is not UTF-8 (a file name read from a broken disk, a byte cut
// by a truncated log line); replacing the bad bytes with U+FFFD keeps the connection alive.
std::string line_of(const json& message) {
  return message.dump(-1, ' ', false, json::error_handler_t::replace) + '\n';
}

json envelope(const json& id) {
  json j = json::object();
  j["jsonrpc"] = "2.0";
  j["id"] = id;
  return j;
}

}  // namespace

Message parse_message(std::string_view line) {
  json object = parse_json(line);
  if (object.is_array()) refuse("batches (JSON arrays) are not supported: send one object a line");
  if (!object.is_object()) refuse("a message is a JSON object (got " + json_kind(object) + ")");
  const json id = read_id(object);
  check_envelope(object, id);
  if (object.contains("method")) return read_call(object, id);
  if (object.contains("result") || object.contains("error")) return read_response(object, id);
  refuse("neither a request (\"method\") nor a response (\"result\" or \"error\")", id);
}

std::string encode_request(const json& id, const std::string& method, const json& params) {
  json j = envelope(id);
  j["method"] = method;
  j["params"] = params.is_null() ? json::object() : params;
  return line_of(j);
}

std::string encode_notification(const std::string& method, const json& params) {
  json j = json::object();
  j["jsonrpc"] = "2.0";
  j["method"] = method;
  j["params"] = params.is_null() ? json::object() : params;
  return line_of(j);
}

std::string encode_result(const json& id, const json& result) {
  json j = envelope(id);
  j["result"] = result;
  return line_of(j);
}

std::string encode_error(const json& id, const RpcError& error) {
  json e = json::object();
  e["code"] = error.code;
  e["message"] = error.message;
  if (!error.data.is_null()) e["data"] = error.data;
  json j = envelope(id);
  j["error"] = std::move(e);
  return line_of(j);
}

}  // namespace glossa::protocol
