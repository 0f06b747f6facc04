#include "backend/socket_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/error.h"

namespace glossa::backend {

namespace {

using protocol::RpcError;
using protocol::RpcException;

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kReadPerTurn = 1 << 20;  // then the other clients get their turn

int take_lock(const std::string& socket_path) {
  const std::string lock_path = socket_path + ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) fail(lock_path, "cannot open the backend's lock file: " + errno_text());
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    const ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
    ::close(fd);
    fail(socket_path, "another glossa-backend is already listening here (pid " +
                          std::string(pid, n > 0 ? size_t(n) : 0) +
                          "); stop it first, or give this one another --socket");
  }
  const std::string me = std::to_string(::getpid());
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) < 0)
    fail(lock_path, "cannot write the backend's lock file: " + errno_text());
  return fd;
}

int listen_on(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    fail(path, "socket path longer than " + std::to_string(sizeof addr.sun_path - 1) + " bytes");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  // We hold the lock: a socket file here was left by a backend that died.
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    fail(path, "cannot remove the stale socket: " + errno_text());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) fail(path, "socket: " + errno_text());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::chmod(path.c_str(), 0600) != 0 || ::listen(fd, 128) != 0) {
    const std::string why = errno_text();
    ::close(fd);
    fail(path, "cannot listen: " + why);
  }
  return fd;
}

}  // namespace

void prepare_socket_dir(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) fail(dir, "cannot create the socket folder: " + ec.message());
    ::chmod(dir.c_str(), 0700);
  }
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0) fail(dir, errno_text());
  if (st.st_uid != ::getuid())
    fail(dir, "the socket folder belongs to another user (uid " + std::to_string(st.st_uid) + ")");
  if ((st.st_mode & 0077) != 0 && ::chmod(dir.c_str(), st.st_mode & 0700) != 0)
    fail(dir, "the socket folder is open to other users and cannot be made private: " +
                  errno_text());
}

struct SocketServer::Impl {
  ServerOptions options;
  Handler handler;
  Log log;
  int lock_fd = -1, listen_fd = -1, wake[2] = {-1, -1};
  std::atomic<bool> stopping{false};
  std::mutex inbox_mutex;
  std::vector<EncodedEventPtr> inbox;
  std::vector<std::unique_ptr<ClientSession>> clients;
  std::vector<bool> closing;  // per client: close once its output is written

  void accept_clients(std::atomic<std::size_t>& count);
  bool read_client(ClientSession& c);  // false: close now
  void handle_line(ClientSession& c, std::string_view line);
  void deliver_inbox();
};

SocketServer::SocketServer(ServerOptions options, Handler handler, Log log)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  impl_->log = std::move(log);
  const std::string& path = impl_->options.socket_path;
  prepare_socket_dir(std::filesystem::path(path).parent_path().string());
  impl_->lock_fd = take_lock(path);
  impl_->listen_fd = listen_on(path);
  if (::pipe2(impl_->wake, O_NONBLOCK | O_CLOEXEC) != 0) fail("wake pipe", errno_text());
}

SocketServer::~SocketServer() {
  for (auto& c : impl_->clients) ::close(c->fd());
  if (impl_->listen_fd >= 0) {
    ::close(impl_->listen_fd);
    ::unlink(impl_->options.socket_path.c_str());
  }
  for (int fd : impl_->wake)
    if (fd >= 0) ::close(fd);
  if (impl_->lock_fd >= 0) ::close(impl_->lock_fd);  // releases the lock
}

void SocketServer::stop() {
  impl_->stopping.store(true);
  const char byte = 's';
  [[maybe_unused]] const ssize_t n = ::write(impl_->wake[1], &byte, 1);
}

void SocketServer::publish(Event event) {
  // Encoded here, on the publisher's thread and once for every client: the event loop only
  // hands the shared line to the clients that want it.
  EncodedEventPtr encoded = EncodedEvent::encode(event);
  bool was_empty;
  {
    std::lock_guard lock(impl_->inbox_mutex);
    was_empty = impl_->inbox.empty();
    impl_->inbox.push_back(std::move(encoded));
  }
  if (was_empty) {
    const char byte = 'e';
    [[maybe_unused]] const ssize_t n = ::write(impl_->wake[1], &byte, 1);
  }
}

void SocketServer::Impl::deliver_inbox() {
  std::vector<EncodedEventPtr> events;
  {
    std::lock_guard lock(inbox_mutex);
    events.swap(inbox);
  }
  for (const EncodedEventPtr& e : events)
    for (auto& c : clients)
      if (c->wants(*e)) c->queue_event(e);
  for (auto& c : clients) c->fill_write_buffer();
}

void SocketServer::Impl::accept_clients(std::atomic<std::size_t>& count) {
  for (;;) {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN: no more waiting
    ucred cred{};
    socklen_t len = sizeof cred;
    std::string refusal;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
      refusal = "cannot read the peer's credentials";
    else if (cred.uid != ::getuid())
      refusal = "refused: uid " + std::to_string(cred.uid) + " is not the backend's user";
    else if (clients.size() >= options.max_clients)
      refusal = "too many clients (" + std::to_string(options.max_clients) + ")";
    if (!refusal.empty()) {
      const int code = cred.uid != ::getuid() ? protocol::kInvalidRequest : protocol::kBusy;
      const std::string line = protocol::encode_error(nullptr, RpcError{code, refusal, nullptr});
      [[maybe_unused]] const ssize_t n = ::send(fd, line.data(), line.size(), MSG_NOSIGNAL);
      ::close(fd);
      log("client pid " + std::to_string(cred.pid) + ": " + refusal);
      continue;
    }
    clients.push_back(std::make_unique<ClientSession>(fd, options.limits));
    closing.push_back(false);
    count.store(clients.size());
  }
}

void SocketServer::Impl::handle_line(ClientSession& c, std::string_view line) {
  protocol::Message m;
  try {
    m = protocol::parse_message(line);
  } catch (const RpcException& e) {
    c.queue_line(protocol::encode_error(e.id(), e.error()));
    return;
  }
  if (m.kind != protocol::Message::Kind::kRequest &&
      m.kind != protocol::Message::Kind::kNotification)
    return;  // a response from a client answers nothing we asked
  const bool answer = m.kind == protocol::Message::Kind::kRequest;
  try {
    nlohmann::json result = handler(c, m);
    if (answer) c.queue_line(protocol::encode_result(m.id, result));
  } catch (const RpcException& e) {
    if (answer) c.queue_line(protocol::encode_error(m.id, e.error()));
  } catch (const std::exception& e) {
    log(m.method + ": " + e.what());
    if (answer)
      c.queue_line(protocol::encode_error(m.id, RpcError{protocol::kInternalError, e.what(), nullptr}));
  }
}

bool SocketServer::Impl::read_client(ClientSession& c) {
  char buffer[kReadChunk];
  std::size_t total = 0;
  while (total < kReadPerTurn) {
    const ssize_t n = ::recv(c.fd(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    if (n == 0) {
      if (c.splitter().has_partial_line())
        c.queue_line(protocol::encode_error(
            nullptr, RpcError{protocol::kParseError,
                              "the input ended in the middle of a line (no newline)", nullptr}));
      return false;
    }
    total += static_cast<std::size_t>(n);
    c.splitter().feed(
        std::string_view(buffer, static_cast<std::size_t>(n)),
        [&](std::string_view line) { handle_line(c, line); },
        [&](std::size_t discarded) {
          c.queue_line(protocol::encode_error(
              nullptr, RpcError{protocol::kLineTooLong,
                                "line of " + std::to_string(discarded) + " bytes discarded: the limit is " +
                                    std::to_string(protocol::kMaxLineBytes) + " bytes",
                                nullptr}));
        });
  }
  return true;
}

void SocketServer::run() {
  Impl& s = *impl_;
  std::vector<pollfd> fds;
  while (!s.stopping.load()) {
    s.deliver_inbox();
    fds.assign({{s.wake[0], POLLIN, 0}, {s.listen_fd, POLLIN, 0}});
    for (std::size_t i = 0; i < s.clients.size(); ++i) {
      const bool out = s.clients[i]->has_output();
      fds.push_back({s.clients[i]->fd(), short((s.closing[i] ? 0 : POLLIN) | (out ? POLLOUT : 0)), 0});
    }
    if (::poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) fail("poll", errno_text());
    if (fds[0].revents & POLLIN) {
      char drain[256];
      while (::read(s.wake[0], drain, sizeof drain) > 0) {
      }
    }
    if (fds[1].revents & POLLIN) s.accept_clients(client_count_);
    for (std::size_t i = 0; i + 2 < fds.size(); ++i) {
      ClientSession& c = *s.clients[i];
      const short ev = fds[i + 2].revents;
      bool keep = true;
      if (ev & POLLIN && !s.closing[i]) {
        keep = s.read_client(c);
        if (!keep && c.has_output()) {  // answer the half line before closing
          s.closing[i] = true;
          keep = true;
        }
      } else if (ev & (POLLHUP | POLLERR)) {
        keep = false;
      }
      c.fill_write_buffer();
      if (keep && c.has_output()) keep = c.write_some();
      if (c.over_response_limit()) {
        s.log("closing a client that does not read its responses");
        keep = false;
      }
      if (s.closing[i] && !c.has_output()) keep = false;
      if (!keep) {
        ::close(c.fd());
        s.clients[i].reset();
      }
    }
    for (std::size_t i = s.clients.size(); i-- > 0;)
      if (!s.clients[i]) {
        s.clients.erase(s.clients.begin() + static_cast<std::ptrdiff_t>(i));
        s.closing.erase(s.closing.begin() + static_cast<std::ptrdiff_t>(i));
      }
    client_count_.store(s.clients.size());
  }
}

}  // namespace glossa::backend
