// A small JSON-RPC client of glossa-backend for the tests (docs/protocol.md): a blocking Unix
// socket, one line per message, the protocol module's encoders and parser. Responses are matched
// to requests by id; notifications that arrive meanwhile are kept in arrival order for
// wait_notification(). No Qt, so it also serves tools and benchmarks.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "protocol/line_splitter.h"
#include "protocol/rpc_message.h"

namespace glossa::test {

class RpcClient {
 public:
  // Connects (retrying until `timeout`: the backend may still be starting). Throws Error.
  explicit RpcClient(const std::string& socket_path,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20));
  ~RpcClient();
  RpcClient(const RpcClient&) = delete;
  RpcClient& operator=(const RpcClient&) = delete;

  // Sends a request and waits for its response: the whole message (kind kResult or kError).
  // Throws Error on timeout or a closed connection.
  protocol::Message request(const std::string& method, const nlohmann::json& params = {},
                            std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // request() that throws Error with the error's message when the response is an error.
  nlohmann::json call(const std::string& method, const nlohmann::json& params = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(60));

  // Raw bytes (for malformed-input tests) and the next message whatever it is.
  void send_raw(const std::string& bytes);
  std::optional<protocol::Message> next(std::chrono::milliseconds timeout);

  // The first notification (kept or arriving) satisfying `match`; removes it and the ones
  // before it that do not match stay kept. nullopt on timeout.
  std::optional<protocol::Message> wait_notification(
      const std::function<bool(const protocol::Message&)>& match,
      std::chrono::milliseconds timeout);
  std::deque<protocol::Message>& notifications() { return notes_; }

  void shutdown_write();  // half-close: the backend sees the end of input
  bool closed() const { return closed_; }
  int fd() const { return fd_; }

 private:
  bool read_more(std::chrono::milliseconds timeout);  // false on timeout or close

  int fd_ = -1;
  int64_t next_id_ = 1;
  bool closed_ = false;
  protocol::LineSplitter splitter_{protocol::kMaxLineBytes * 4};
  std::deque<protocol::Message> inbox_;  // parsed, not yet handed out
  std::deque<protocol::Message> notes_;  // notifications set aside while waiting for a response
};

}  // namespace glossa::test
