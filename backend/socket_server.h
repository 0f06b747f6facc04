// The backend's listening socket and event loop (docs/backend.md, "Security"): a Unix stream
// socket (no TCP listener exists) in a 0700 folder, mode 0600; one instance per socket (an
// exclusive lock on SOCKET.lock: a second backend exits with a message naming the pid of the
// first; a socket left by a dead backend is replaced); the peer's uid checked with SO_PEERCRED
// (other users are told so and disconnected). One thread runs poll(2) over the listener, the
// clients and a wake pipe; requests are parsed (protocol/), handed to the dispatcher and
// answered in order; notifications published from any thread are queued per client
// (client_session.h) and written when the client reads. Qt-free.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backend/client_session.h"
#include "backend/event_sink.h"
#include "protocol/rpc_message.h"

namespace glossa::backend {

struct ServerOptions {
  std::string socket_path;
  std::size_t max_clients = 256;
  SessionLimits limits;
};

class SocketServer {
 public:
  // Handles one request of a client: its result object, or throws protocol::RpcException.
  using Handler = std::function<nlohmann::json(ClientSession&, const protocol::Message&)>;
  // Where the server writes what it does (connections, refused peers, errors).
  using Log = std::function<void(const std::string&)>;

  // Takes the lock, replaces a stale socket, binds and listens. Throws Error naming the path
  // (another backend holds it, a folder with wrong owner or mode, bind failure).
  SocketServer(ServerOptions options, Handler handler, Log log);
  ~SocketServer();  // closes clients, removes the socket and its lock
  SocketServer(const SocketServer&) = delete;
  SocketServer& operator=(const SocketServer&) = delete;

  // Runs the event loop until stop(). Call from one thread.
  void run();
  // Any thread or a signal handler (async-signal-safe: one write(2)).
  void stop();
  // Any thread: queues the event for every client that subscribed to its subject.
  void publish(Event event);

  std::size_t client_count() const { return client_count_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<std::size_t> client_count_{0};
};

// The socket folder: created 0700 when absent; an existing one must be owned by this user and
// not accessible to others. Throws Error naming the folder.
void prepare_socket_dir(const std::string& dir);

}  // namespace glossa::backend
