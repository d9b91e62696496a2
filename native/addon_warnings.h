// LibTorch's warnings (TORCH_WARN), collected per thread and handed to JavaScript as process
// warnings ('LibTorchWarning', each distinct message once per environment) instead of lines on
// stderr (glog's, with a "Logging before InitGoogleLogging()" banner, in Debian's build).
#pragma once
#include "common.h"

#include <string>
#include <vector>

namespace nodetorch {

// From now on, the calling thread's LibTorch warnings are collected (JavaScript and pass threads).
void collectWarnings();
// The calling thread's collected warnings, removed from it.
std::vector<std::string> takeWarnings();
// process.emitWarning(message, 'LibTorchWarning') for each message this environment has not emitted.
void emitWarnings(Napi::Env env, const std::vector<std::string>& warnings);

}  // namespace nodetorch
