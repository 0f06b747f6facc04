// The workbench's connection to glossa-backend (docs/protocol.md): a QLocalSocket speaking the
// shared protocol module's JSON-RPC lines. It starts glossa-backend when none answers, checks
// the protocol version first (a mismatch is a state with a message, never a crash), reconnects
// when the backend restarts and then replays the subscriptions, so pages keep their streams.
// Replies come back to callbacks, notifications as a signal; nothing here blocks the event loop.
#pragma once

#include <QElapsedTimer>
#include <QLocalSocket>
#include <QObject>
#include <QString>
#include <QTimer>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "protocol/line_splitter.h"
#include "protocol/rpc_message.h"

namespace glossa::app {

class BackendClient : public QObject {
  Q_OBJECT

 public:
  enum class State { kDisconnected, kStarting, kConnecting, kConnected, kIncompatible };

  struct Options {
    QString socket_path;          // "" = $XDG_RUNTIME_DIR/glossa/backend.sock (as the backend)
    QString backend_program;      // "" = glossa-backend beside this program
    bool start_backend = true;    // start one when none answers
    int reconnect_ms = 1000;      // retry period after a lost connection
    int start_timeout_ms = 20000; // a started backend must answer within this
  };

  // `error` is null on success; then `result` is the method's result.
  using Reply = std::function<void(const nlohmann::json& result, const protocol::RpcError* error)>;

  explicit BackendClient(Options options, QObject* parent = nullptr);
  ~BackendClient() override;

  void open();  // connect (and start the backend when needed); idempotent
  // Sends a request when connected; otherwise `reply` gets an error at once. Returns its id.
  int64_t call(const QString& method, const nlohmann::json& params, Reply reply = {});
  // subscribe, remembered and sent again after every reconnection.
  void subscribe(const nlohmann::json& params);

  State state() const { return state_; }
  QString state_text() const { return state_text_; }
  qint64 backend_pid() const { return backend_pid_; }
  const QString& socket_path() const { return options_.socket_path; }

  static QString default_socket_path();

 Q_SIGNALS:
  void stateChanged(glossa::app::BackendClient::State state, const QString& text);
  void notification(const QString& method, const nlohmann::json& params);
  void connected();  // the version matched: pages may (re)load their state

 private:
  void set_state(State state, const QString& text);
  void try_connect();
  void on_connected();
  void on_ready_read();
  void on_socket_error(QLocalSocket::LocalSocketError error);
  void on_disconnected();
  void handle_line(std::string_view line);
  void fail_pending(const QString& why);
  void start_backend();

  Options options_;
  QLocalSocket socket_;
  QTimer retry_;
  QElapsedTimer starting_;
  protocol::LineSplitter splitter_{protocol::kMaxLineBytes * 4};
  State state_ = State::kDisconnected;
  QString state_text_;
  int64_t next_id_ = 1;
  std::map<int64_t, Reply> pending_;
  std::vector<nlohmann::json> subscriptions_;
  qint64 backend_pid_ = 0;
  bool started_backend_ = false;
};

}  // namespace glossa::app
