#include "support/rpc_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "base/error.h"

namespace glossa::test {

namespace {

using Clock = std::chrono::steady_clock;

int connect_once(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
  ::close(fd);
  return -1;
}

std::chrono::milliseconds left(Clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
}

}  // namespace

RpcClient::RpcClient(const std::string& socket_path, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while ((fd_ = connect_once(socket_path)) < 0) {
    if (Clock::now() > deadline) fail(socket_path, "cannot connect: " + errno_text());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

RpcClient::~RpcClient() {
  if (fd_ >= 0) ::close(fd_);
}

void RpcClient::send_raw(const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("rpc client", "send: " + errno_text());
    done += static_cast<std::size_t>(n);
  }
}

void RpcClient::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

bool RpcClient::read_more(std::chrono::milliseconds timeout) {
  if (closed_) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char buffer[65536];
  const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
  if (n <= 0) {
    closed_ = true;
    return false;
  }
  splitter_.feed(
      std::string_view(buffer, static_cast<std::size_t>(n)),
      [&](std::string_view line) { inbox_.push_back(protocol::parse_message(line)); },
      [&](std::size_t) { fail("rpc client", "the backend sent an oversized line"); });
  return true;
}

std::optional<protocol::Message> RpcClient::next(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (inbox_.empty())
    if (!read_more(left(deadline)) && (closed_ || Clock::now() >= deadline)) return std::nullopt;
  protocol::Message m = std::move(inbox_.front());
  inbox_.pop_front();
  return m;
}

protocol::Message RpcClient::request(const std::string& method, const nlohmann::json& params,
                                     std::chrono::milliseconds timeout) {
  const int64_t id = next_id_++;
  send_raw(protocol::encode_request(id, method, params));
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto m = next(left(deadline));
    if (!m) fail(method, closed_ ? "the backend closed the connection" : "no response in time");
    if (m->kind == protocol::Message::Kind::kNotification) {
      notes_.push_back(std::move(*m));
      continue;
    }
    if (m->id == nlohmann::json(id)) return *m;
  }
}

nlohmann::json RpcClient::call(const std::string& method, const nlohmann::json& params,
                               std::chrono::milliseconds timeout) {
  const protocol::Message m = request(method, params, timeout);
  if (m.kind == protocol::Message::Kind::kError)
    fail(method, "error " + std::to_string(m.error.code) + ": " + m.error.message);
  return m.result;
}

std::optional<protocol::Message> RpcClient::wait_notification(
    const std::function<bool(const protocol::Message&)>& match,
    std::chrono::milliseconds timeout) {
  for (auto it = notes_.begin(); it != notes_.end(); ++it)
    if (match(*it)) {
      protocol::Message m = std::move(*it);
      notes_.erase(it);
      return m;
    }
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto m = next(left(deadline));
    if (!m) return std::nullopt;
    if (m->kind != protocol::Message::Kind::kNotification) continue;
    if (match(*m)) return m;
    notes_.push_back(std::move(*m));
  }
}

}  // namespace glossa::test
