// The precompiled header of the torch-free, widget-free tests (cmake/GlossaPch.cmake): QtTest, the
// Qt Core classes most tests use, the standard library and nlohmann-json.
#pragma once

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "engine_pch.h"
