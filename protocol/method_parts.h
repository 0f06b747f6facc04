// The parts method_table.cpp assembles into the catalog (one file per group of methods).
#pragma once

#include <vector>

#include "protocol/method_catalog.h"

namespace glossa::protocol {

std::vector<MethodDef> project_methods();  // project.*, vocab.* (project_method_table.cpp)

}  // namespace glossa::protocol
