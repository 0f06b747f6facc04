// Helpers shared by Glossa's Qt Test executables: where the shared real data and the reference
// Python environment are, and running a program to completion.
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QtTest>

#include "base/error.h"

namespace glossa::test {

// Directory of ../shared/data (env GLOSSA_SHARED_DATA, else the CMake cache default);
// empty when it does not exist.
QString sharedData();

// Absolute path of a file under the shared data; empty when the data or the file is absent.
QString sharedFile(const QString& relative);

// Python of the reference virtual environment (env GLOSSA_PYTHON, else the CMake default);
// empty when not configured or not executable.
QString python();

// Path of a script in tests/python.
QString pythonScript(const QString& name);

// Path of a built Glossa program (bin/<name>).
QString program(const QString& name);

// XDG_RUNTIME_DIR, XDG_DATA_HOME and XDG_STATE_HOME under `root` (run/ made 0700, as a login's
// runtime folder is): a backend the test starts, or the workbench starts for it, is its own.
void use_private_xdg_dirs(const QString& root);

struct ProcessResult {
  int exit_code = -1;
  bool finished = false;  // false: could not start or timed out (then killed)
  QByteArray out;
  QByteArray err;
};

// True when a missing prerequisite must fail the test instead of skipping it: in CI (`CI=true`)
// and under packaging/test.sh (`GLOSSA_STRICT_SKIPS=1`). CTest counts a skip as a pass, so a
// missing data file or Python package would otherwise hide a regression (tests/README.md).
bool skipsFail();

// A TCP port for a test's rendezvous (MASTER_PORT): base/rendezvous_port.h; fails the test when
// none is free.
int rendezvous_port();

// True when a failed launch's output says the rendezvous port was taken meanwhile (c10d's
// EADDRINUSE): launchers retry with a new port.
bool port_was_taken(const QByteArray& output);

// Runs a program to completion (or until timeout_ms, then kills it).
ProcessResult run(const QString& program, const QStringList& args, int timeout_ms = 600000,
                  const QByteArray& stdin_data = {});

// The message of the glossa::Error `f` throws, or "" when it throws none.
template <typename F>
QString error_of(F&& f) {
  try {
    f();
  } catch (const glossa::Error& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

}  // namespace glossa::test

// A prerequisite (shared data, the reference Python, a program) is missing: skips the test with
// the message, or fails it when glossa::test::skipsFail(). Every skip of the suite goes through
// this macro except the allowed ones (GLOSSA_ALLOWED_SKIP); test_layout checks that.
#define GLOSSA_MISSING(message)                                                          \
  do {                                                                                   \
    if (glossa::test::skipsFail())                                                       \
      QFAIL(qPrintable(QStringLiteral("missing prerequisite (skips fail in CI and "      \
                                      "packaging/test.sh): %1")                          \
                           .arg(QString::fromUtf8(message))));                           \
    QSKIP(message);                                                                      \
  } while (false)

// A skip that stays a skip in CI: only for what the machine cannot have (e.g. a CUDA device,
// glibc). Each use says why in a comment; the list is in tests/README.md.
#define GLOSSA_ALLOWED_SKIP(message) QSKIP(message)

// Skips (fails in CI) with a clear message when a shared data file is missing; else sets `var`.
#define GLOSSA_REQUIRE_SHARED(var, relative)                                                \
  const QString var = glossa::test::sharedFile(relative);                                   \
  if (var.isEmpty())                                                                        \
  GLOSSA_MISSING(qPrintable(QStringLiteral("shared data file '%1' not found: set "          \
                                           "GLOSSA_SHARED_DATA to the shared/data folder") \
                                .arg(relative)))

// Skips (fails in CI) with a clear message when the reference Python environment is missing.
#define GLOSSA_REQUIRE_PYTHON(var)                                                            \
  const QString var = glossa::test::python();                                                \
  if (var.isEmpty())                                                                          \
  GLOSSA_MISSING("reference Python environment not configured: run packaging/setup.sh and " \
                 "configure with -DGLOSSA_PYTHON=<venv>/bin/python (or set GLOSSA_PYTHON)")
