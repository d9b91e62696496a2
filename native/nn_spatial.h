#pragma once
#include "nn_module.h"

namespace nodetorch {
// The spatial modules of nn_spatial.cc, or nullptr when `type` is not one of them.
ModulePtr createSpatialModule(const std::string& type, const std::vector<double>& args);
}
