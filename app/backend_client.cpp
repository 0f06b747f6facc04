#include "app/backend_client.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <unistd.h>

namespace glossa::app {

namespace {

constexpr int kStartRetryMs = 200;

protocol::RpcError local_error(const QString& message) {
  return protocol::RpcError{protocol::kInternalError, message.toStdString(), nullptr};
}

}  // namespace

QString BackendClient::default_socket_path() {
  const QByteArray runtime = qgetenv("XDG_RUNTIME_DIR");
  if (!runtime.isEmpty()) return QString::fromLocal8Bit(runtime) + "/glossa/backend.sock";
  return QString("/tmp/glossa-%1/backend.sock").arg(::getuid());  // as glossa-backend decides
}

BackendClient::BackendClient(Options options, QObject* parent)
    : QObject(parent), options_(std::move(options)) {
  if (options_.socket_path.isEmpty()) options_.socket_path = default_socket_path();
  if (options_.backend_program.isEmpty())
    options_.backend_program = QCoreApplication::applicationDirPath() + "/glossa-backend";
  retry_.setSingleShot(true);
  connect(&retry_, &QTimer::timeout, this, &BackendClient::try_connect);
  connect(&socket_, &QLocalSocket::connected, this, &BackendClient::on_connected);
  connect(&socket_, &QLocalSocket::readyRead, this, &BackendClient::on_ready_read);
  connect(&socket_, &QLocalSocket::errorOccurred, this, &BackendClient::on_socket_error);
  connect(&socket_, &QLocalSocket::disconnected, this, &BackendClient::on_disconnected);
}

BackendClient::~BackendClient() {
  socket_.disconnect(this);  // no signals into a half-destroyed client
}

void BackendClient::set_state(State state, const QString& text) {
  if (state == state_ && text == state_text_) return;
  state_ = state;
  state_text_ = text;
  Q_EMIT stateChanged(state, text);
}

void BackendClient::open() {
  if (state_ == State::kConnected || state_ == State::kConnecting) return;
  try_connect();
}

void BackendClient::try_connect() {
  if (socket_.state() != QLocalSocket::UnconnectedState) return;
  if (state_ != State::kStarting)
    set_state(State::kConnecting, "connecting to the backend at " + options_.socket_path);
  socket_.connectToServer(options_.socket_path);
}

void BackendClient::start_backend() {
  qint64 pid = 0;
  // A daemon: its own log file, not the terminal (or pipe) the workbench was started from.
  QProcess process;
  process.setProgram(options_.backend_program);
  process.setStandardInputFile(QProcess::nullDevice());
  process.setStandardOutputFile(QProcess::nullDevice());
  process.setStandardErrorFile(QProcess::nullDevice());
  if (!QFileInfo(options_.backend_program).isExecutable() || !process.startDetached(&pid)) {
    set_state(State::kDisconnected, "no backend answers and " + options_.backend_program +
                                        " cannot be started: is Glossa installed completely?");
    retry_.start(options_.reconnect_ms);
    return;
  }
  started_backend_ = true;
  starting_.start();
  set_state(State::kStarting, QString("starting the backend (pid %1)").arg(pid));
  retry_.start(kStartRetryMs);
}

void BackendClient::on_socket_error(QLocalSocket::LocalSocketError error) {
  if (socket_.state() == QLocalSocket::ConnectedState) return;  // on_disconnected handles it
  const bool nobody = error == QLocalSocket::ServerNotFoundError ||
                      error == QLocalSocket::ConnectionRefusedError;
  socket_.abort();
  if (state_ == State::kStarting) {
    if (starting_.elapsed() < options_.start_timeout_ms) {
      retry_.start(kStartRetryMs);
      return;
    }
    set_state(State::kDisconnected, "the backend was started but does not answer at " +
                                        options_.socket_path + " (see its log)");
    retry_.start(options_.reconnect_ms);
    return;
  }
  if (nobody && options_.start_backend) {
    start_backend();
    return;
  }
  set_state(State::kDisconnected, "cannot reach the backend: " + socket_.errorString());
  retry_.start(options_.reconnect_ms);
}

void BackendClient::on_connected() {
  splitter_ = protocol::LineSplitter(protocol::kMaxLineBytes * 4);
  // The version first: another protocol would misread every later message.
  call("version", nlohmann::json::object(),
       [this](const nlohmann::json& result, const protocol::RpcError* error) {
         const int theirs = error ? -1 : result.value("protocol", -1);
         if (theirs != protocol::kProtocolVersion) {
           set_state(State::kIncompatible,
                     QString("the backend speaks protocol %1, this workbench protocol %2: "
                             "install matching versions of glossa and glossa-backend")
                         .arg(theirs)
                         .arg(protocol::kProtocolVersion));
           socket_.disconnectFromServer();
           return;
         }
         backend_pid_ = result.value("pid", qint64(0));
         for (const auto& s : subscriptions_) call("subscribe", s);
         set_state(State::kConnected,
                   QString("connected to the backend (pid %1)").arg(backend_pid_));
         Q_EMIT connected();
       });
}

int64_t BackendClient::call(const QString& method, const nlohmann::json& params, Reply reply) {
  const int64_t id = next_id_++;
  if (socket_.state() != QLocalSocket::ConnectedState) {
    if (reply) {
      const auto error = local_error("not connected to the backend (" + state_text_ + ")");
      reply(nullptr, &error);
    }
    return id;
  }
  if (reply) pending_[id] = std::move(reply);
  const std::string line = protocol::encode_request(id, method.toStdString(), params);
  socket_.write(line.data(), qint64(line.size()));
  return id;
}

void BackendClient::subscribe(const nlohmann::json& params) {
  subscriptions_.push_back(params);
  if (state_ == State::kConnected) call("subscribe", params);
}

void BackendClient::on_ready_read() {
  const QByteArray bytes = socket_.readAll();
  splitter_.feed(
      std::string_view(bytes.constData(), size_t(bytes.size())),
      [this](std::string_view line) { handle_line(line); },
      [this](size_t n) { qWarning("backend sent an oversized line (%zu bytes), skipped", n); });
}

void BackendClient::handle_line(std::string_view line) {
  protocol::Message m;
  try {
    m = protocol::parse_message(line);
  } catch (const protocol::RpcException& e) {
    qWarning("backend sent a malformed line: %s", e.what());
    return;
  }
  if (m.kind == protocol::Message::Kind::kNotification) {
    Q_EMIT notification(QString::fromStdString(m.method), m.params);
    return;
  }
  if (!m.id.is_number_integer()) {
    if (m.kind == protocol::Message::Kind::kError)  // an error about no request (refusal)
      set_state(State::kDisconnected, QString::fromStdString(m.error.message));
    return;
  }
  const auto it = pending_.find(m.id.get<int64_t>());
  if (it == pending_.end()) return;
  Reply reply = std::move(it->second);
  pending_.erase(it);
  if (m.kind == protocol::Message::Kind::kError) reply(nullptr, &m.error);
  else reply(m.result, nullptr);
}

void BackendClient::fail_pending(const QString& why) {
  auto pending = std::move(pending_);
  pending_.clear();
  const auto error = local_error(why);
  for (auto& [id, reply] : pending) reply(nullptr, &error);
}

void BackendClient::on_disconnected() {
  fail_pending("the connection to the backend was lost");
  if (state_ == State::kIncompatible) return;  // reconnecting would not help
  set_state(State::kDisconnected, "the backend went away; reconnecting");
  retry_.start(options_.reconnect_ms);
}

}  // namespace glossa::app
