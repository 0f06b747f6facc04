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

struct ProcessResult {
  int exit_code = -1;
  bool finished = false;  // false: could not start or timed out (then killed)
  QByteArray out;
  QByteArray err;
};

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

// Skips the test with a clear message when a shared data file is missing; else sets `var`.
#define GLOSSA_REQUIRE_SHARED(var, relative)                                                  \
  const QString var = glossa::test::sharedFile(relative);                                     \
  if (var.isEmpty())                                                                          \
    QSKIP(qPrintable(QStringLiteral("shared data file '%1' not found: set GLOSSA_SHARED_DATA " \
                                    "to the shared/data folder")                              \
                         .arg(relative)))

// Skips the test with a clear message when the reference Python environment is missing.
#define GLOSSA_REQUIRE_PYTHON(var)                                                   \
  const QString var = glossa::test::python();                                       \
  if (var.isEmpty())                                                                 \
    QSKIP("reference Python environment not configured: run packaging/setup.sh and " \
          "configure with -DGLOSSA_PYTHON=<venv>/bin/python (or set GLOSSA_PYTHON)")
