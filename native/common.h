// Shared plumbing for every native entry point: per-environment state, the error guard,
// argument readers and the registration table.
#pragma once
#include <set>
#include <napi.h>
#include <torch/torch.h>

#include <string>
#include <vector>

namespace nodetorch {

// Everything the addon keeps per Node environment (main thread or worker): never C++ statics,
// so that the addon loads in several worker threads at once.
struct AddonData {
  Napi::FunctionReference torchError;  // the TS TorchError constructor, handed over by init()
  int64_t liveTensors = 0;
  int64_t liveBytes = 0;
  std::set<std::string> warned;  // LibTorch warnings already emitted (addon_warnings.cc)
};

AddonData& addonData(Napi::Env env);

// A native entry point. dispatch() runs it inside the one guard that converts every C++
// exception into a JS TorchError naming the operation.
using Impl = Napi::Value (*)(const Napi::CallbackInfo&);
struct Entry {
  const char* name;
  Impl impl;
  bool namedByFirstArg = false;  // generic entries (unary/binary/reduce) report the op they ran
};
void registerEntries(Napi::Env env, Napi::Object exports, const std::vector<Entry>& entries);

// A JS TorchError (or Error before init) carrying "<op>: <message>".
Napi::Error torchError(Napi::Env env, const std::string& op, const std::string& message);
// Throws a C++ exception caught by the guard; use for checks inside native code.
[[noreturn]] void fail(const std::string& message);
// The reason an exception gives, without LibTorch's C++ backtrace.
std::string reason(const std::exception& e);

// Argument readers: cheap memory-safety checks only (TypeScript validates the rest).
int64_t intArg(const Napi::CallbackInfo& info, size_t i, const char* what);
double numberArg(const Napi::CallbackInfo& info, size_t i, const char* what);
bool boolArg(const Napi::CallbackInfo& info, size_t i, const char* what);
std::string stringArg(const Napi::CallbackInfo& info, size_t i, const char* what);
std::vector<int64_t> intListArg(const Napi::CallbackInfo& info, size_t i, const char* what);
bool isMissing(const Napi::CallbackInfo& info, size_t i);

// dtype and device names as the TypeScript layer spells them.
at::ScalarType parseDtype(const std::string& name);
std::string dtypeName(at::ScalarType type);
at::Device parseDevice(const std::string& name);
std::string deviceName(const at::Device& device);
std::string shapeString(at::IntArrayRef sizes);

}  // namespace nodetorch
