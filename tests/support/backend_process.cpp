#include "support/backend_process.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QThread>
#include <cstring>

#include "support/test_support.h"

namespace glossa::test {

namespace {

bool accepts(const QString& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.toLocal8Bit().constData(), sizeof addr.sun_path - 1);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

BackendProcess::BackendProcess(const QString& root, const QString& name)
    : root_(root), name_(name) {
  for (const char* sub : {"run", "data", "state"}) QDir().mkpath(root_ + "/" + sub);
  QFile::setPermissions(root_ + "/run", QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                            QFileDevice::ExeOwner);
}

BackendProcess::~BackendProcess() {
  if (running()) kill9();
}

QProcessEnvironment BackendProcess::environment() const {
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.insert("XDG_RUNTIME_DIR", root_ + "/run");
  env.insert("XDG_DATA_HOME", root_ + "/data");
  env.insert("XDG_STATE_HOME", root_ + "/state");
  return env;
}

QString BackendProcess::log() const {
  QFile f(root_ + QString("/%1-%2.log").arg(name_).arg(starts_));
  return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

bool BackendProcess::start(const QStringList& extra_args) {
  ++starts_;
  process_ = std::make_unique<QProcess>();
  process_->setProcessEnvironment(environment());
  process_->setStandardOutputFile(root_ + QString("/%1-%2.out").arg(name_).arg(starts_));
  process_->setStandardErrorFile(root_ + QString("/%1-%2.log").arg(name_).arg(starts_));
  process_->start(program("glossa-backend"), QStringList{"--foreground"} + extra_args);
  if (!process_->waitForStarted(10000)) {
    error_ = "glossa-backend did not start: " + process_->errorString();
    return false;
  }
  QDeadlineTimer deadline(30000);
  while (!deadline.hasExpired()) {
    if (process_->state() == QProcess::NotRunning) break;
    // Its own "listening" line: another backend's socket accepts too.
    if (log().contains("listening on") && accepts(socket())) return true;
    QThread::msleep(20);
  }
  process_->waitForFinished(100);
  error_ = "glossa-backend is not listening: " + log();
  return false;
}

void BackendProcess::kill9() {
  if (!process_) return;
  ::kill(pid_t(process_->processId()), SIGKILL);
  process_->waitForFinished(10000);
}

int BackendProcess::terminate() {
  if (!process_) return -1;
  ::kill(pid_t(process_->processId()), SIGTERM);
  if (!process_->waitForFinished(60000)) return -1;
  return process_->exitStatus() == QProcess::NormalExit ? process_->exitCode() : -1;
}

qint64 BackendProcess::pid() const { return process_ ? process_->processId() : 0; }

bool BackendProcess::running() const {
  return process_ && process_->state() != QProcess::NotRunning;
}

}  // namespace glossa::test
