// JSON-RPC 2.0 messages, one JSON object per line (docs/protocol.md): parsing a line into a
// request / notification / response, and encoding each kind back into one line. Both ends use it:
// glossa-backend, the GUI's client, the tests. Qt-free; depends on nlohmann-json only.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace glossa::protocol {

// Bumped when a method or notification changes incompatibly (`version` reports it).
inline constexpr int kProtocolVersion = 1;
// The longest line either end accepts, newline excluded.
inline constexpr std::size_t kMaxLineBytes = std::size_t(1) << 20;

// Standard JSON-RPC codes, then Glossa's (-32000 .. -32099, "server error" range).
enum ErrorCode : int {
  kParseError = -32700,      // not JSON, or not valid UTF-8
  kInvalidRequest = -32600,  // JSON, but not a JSON-RPC 2.0 request object
  kMethodNotFound = -32601,
  kInvalidParams = -32602,   // a missing, unknown or mistyped parameter (data.field names it)
  kInternalError = -32603,
  kLineTooLong = -32000,     // a line over kMaxLineBytes; its bytes were discarded
  kNotFound = -32001,        // no job / run with that id
  kInvalidState = -32002,    // e.g. pausing a finished run
  kJobOptions = -32003,      // job options refused by the job layer (data.field, data.doc)
  kRunConfig = -32004,       // RUN.json refused (data.field)
  kBusy = -32005,            // a limit was reached (too many clients, queue full)
  kProject = -32006,         // the project file cannot be opened or is not a project (data.path)
};

// An error carried in a response. `data` holds details: {"field": ..., "doc": ...}.
struct RpcError {
  int code = kInternalError;
  std::string message;
  nlohmann::json data;  // null when none
};

// Thrown by parse_message, check_fields and the backend's handlers; the server turns it into an
// error response with the request's id (null when the id could not be read).
class RpcException : public std::runtime_error {
 public:
  RpcException(int code, const std::string& message, nlohmann::json data = nullptr,
               nlohmann::json id = nullptr);
  const RpcError& error() const { return error_; }
  const nlohmann::json& id() const { return id_; }

 private:
  RpcError error_;
  nlohmann::json id_;
};

struct Message {
  enum class Kind { kRequest, kNotification, kResult, kError };
  Kind kind = Kind::kRequest;
  nlohmann::json id;       // request / response id (string or integer); null for notifications
  std::string method;      // requests and notifications
  nlohmann::json params;   // requests and notifications: object (absent params = {})
  nlohmann::json result;   // kResult
  RpcError error;          // kError
};

// One line (without its newline) into a message. Throws RpcException: kParseError for invalid
// JSON or invalid UTF-8, kInvalidRequest for anything that is not a JSON-RPC 2.0 object
// ("jsonrpc" != "2.0", a non-string method, params not an object, an id that is neither string,
// integer nor null, a batch array: batches are not supported). The exception carries the id
// when one could be read.
Message parse_message(std::string_view line);

// Each returns one line WITH its trailing '\n'.
std::string encode_request(const nlohmann::json& id, const std::string& method,
                           const nlohmann::json& params);
std::string encode_notification(const std::string& method, const nlohmann::json& params);
std::string encode_result(const nlohmann::json& id, const nlohmann::json& result);
std::string encode_error(const nlohmann::json& id, const RpcError& error);

}  // namespace glossa::protocol
