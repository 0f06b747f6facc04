// The real glossa-backend for a test: started with its own XDG folders under a temporary
// directory (socket, store, log), so tests never meet the user's backend. Qt (QProcess).
#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>
#include <memory>

namespace glossa::test {

class BackendProcess {
 public:
  // `root`: a folder the test owns; run/ data/ state/ are made below it. `name` prefixes the
  // files of its output (two processes on one root: a second backend on the same socket).
  explicit BackendProcess(const QString& root, const QString& name = "backend");
  ~BackendProcess();  // SIGKILL if still running (trainers it started are the test's to end)

  // Starts glossa-backend --foreground (stderr to ROOT/backend-N.log); waits until the socket
  // accepts connections. False (with the log's text in error()) when it exited or timed out.
  bool start(const QStringList& extra_args = {});
  void kill9();          // as a crash would
  int terminate();       // SIGTERM; waits; the exit code (-1 if it did not end in 60 s)
  qint64 pid() const;
  bool running() const;

  QString socket() const { return root_ + "/run/glossa/backend.sock"; }
  QString root() const { return root_; }
  QString error() const { return error_; }
  QString log() const;  // the current run's stderr
  QProcessEnvironment environment() const;

 private:
  QString root_;
  QString name_;
  QString error_;
  int starts_ = 0;
  std::unique_ptr<QProcess> process_;
};

}  // namespace glossa::test
