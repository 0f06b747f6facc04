#include "support/test_support.h"

#include "base/rendezvous_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <random>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QProcessEnvironment>

namespace glossa::test {

namespace {
QString fromEnvOr(const char* name, const char* fallback) {
  const QString value = qEnvironmentVariable(name);
  return value.isEmpty() ? QString::fromUtf8(fallback) : value;
}
}  // namespace

int rendezvous_port() {
  try {
    return glossa::free_rendezvous_port();
  } catch (const glossa::Error& e) {
    QTest::qFail(e.what(), __FILE__, __LINE__);
    return 0;
  }
}

bool port_was_taken(const QByteArray& output) {
  return output.contains("EADDRINUSE") || output.contains("ddress already in use");
}

bool skipsFail() {
  return qEnvironmentVariable("CI") == QLatin1String("true") ||
         qEnvironmentVariable("GLOSSA_STRICT_SKIPS") == QLatin1String("1");
}

QString sharedData() {
  const QString dir = fromEnvOr("GLOSSA_SHARED_DATA", GLOSSA_DEFAULT_SHARED_DATA);
  if (dir.isEmpty() || !QFileInfo(dir).isDir()) return {};
  return QDir(dir).absolutePath();
}

QString sharedFile(const QString& relative) {
  const QString dir = sharedData();
  if (dir.isEmpty()) return {};
  const QString path = QDir(dir).filePath(relative);
  return QFileInfo::exists(path) ? path : QString();
}

QString python() {
  const QString path = fromEnvOr("GLOSSA_PYTHON", GLOSSA_DEFAULT_PYTHON);
  if (path.isEmpty() || !QFileInfo(path).isExecutable()) return {};
  return path;
}

QString pythonScript(const QString& name) {
  return QDir(QStringLiteral(GLOSSA_TEST_PYTHON_DIR)).filePath(name);
}

void use_private_xdg_dirs(const QString& root) {
  const QDir dir(root);
  qputenv("XDG_RUNTIME_DIR", dir.filePath("run").toLocal8Bit());
  qputenv("XDG_DATA_HOME", dir.filePath("data").toLocal8Bit());
  qputenv("XDG_STATE_HOME", dir.filePath("state").toLocal8Bit());
  QDir().mkpath(dir.filePath("run"));
  QFile::setPermissions(dir.filePath("run"),
                        QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
}

QString program(const QString& name) {
  return QDir(QStringLiteral(GLOSSA_BIN_DIR)).filePath(name);
}

ProcessResult run(const QString& program, const QStringList& args, int timeout_ms,
                  const QByteArray& stdin_data) {
  ProcessResult result;
  QProcess process;
  process.start(program, args);
  if (!process.waitForStarted(30000)) {
    result.err = QStringLiteral("could not start %1: %2").arg(program, process.errorString()).toUtf8();
    return result;
  }
  if (!stdin_data.isEmpty()) process.write(stdin_data);
  process.closeWriteChannel();
  result.finished = process.waitForFinished(timeout_ms);
  if (!result.finished) {
    process.kill();
    process.waitForFinished(5000);
  }
  result.exit_code = process.exitCode();
  result.out = process.readAllStandardOutput();
  result.err = process.readAllStandardError();
  return result;
}

}  // namespace glossa::test
