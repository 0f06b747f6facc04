#include "support/test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <random>

#include <QDir>
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

namespace {
bool can_bind(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(uint16_t(port));
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}
}  // namespace

int rendezvous_port() {
  int low = 32768, high = 60999;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> low >> high;
  // Below the ephemeral range when there is room (Linux's default leaves 20000-32767), else above.
  const bool below = low > 21000;
  std::uniform_int_distribution<int> pick(below ? 20000 : high + 1, below ? low - 1 : 65000);
  std::random_device seed;
  std::mt19937 rng(seed());
  for (int tries = 0; tries < 200; ++tries) {
    const int port = pick(rng);
    if (can_bind(port)) return port;
  }
  QTest::qFail("no free TCP port found for a rendezvous", __FILE__, __LINE__);
  return 0;
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
