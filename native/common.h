// Shared plumbing for every native entry point: per-environment state, the error guard,
// argument readers and the registration table.
#pragma once
#include <set>
#include <unordered_map>
#include <napi.h>

#include "engine/engine.h"
#include "engine/options.h"

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
  // callOp's operators, found once by "name.overload" (the dispatcher's lookup costs a microsecond)
  std::unordered_map<std::string, c10::OperatorHandle> operators;
};

AddonData& addonData(Napi::Env env);

// A native entry point. dispatch() runs it inside the one guard that converts every C++
// exception into a JS TorchError naming the operation.
using Impl = Napi::Value (*)(const Napi::CallbackInfo&);
struct Entry {
  const char* name;
  Impl impl;
  ErrorCode failures = ErrorCode::InvalidArgument;  // the code of a failure nothing classifies further
};
void registerEntries(Napi::Env env, Napi::Object exports, const std::vector<Entry>& entries);

// Throws `error` into JavaScript where it can still run (else the environment is going away: nothing).
void raiseInJavaScript(Napi::Env env, const Napi::Error& error);
// A JS TorchError (or Error before init) carrying "<op>: <message>", its code and op.
Napi::Error torchError(Napi::Env env, const std::string& op, const std::string& message, ErrorCode code);
// Argument readers: cheap memory-safety checks only (TypeScript validates the rest).
int64_t intArg(const Napi::CallbackInfo& info, size_t i, const char* what);
double numberArg(const Napi::CallbackInfo& info, size_t i, const char* what);
bool boolArg(const Napi::CallbackInfo& info, size_t i, const char* what);
std::string stringArg(const Napi::CallbackInfo& info, size_t i, const char* what);
std::vector<int64_t> intListArg(const Napi::CallbackInfo& info, size_t i, const char* what);
bool isMissing(const Napi::CallbackInfo& info, size_t i);
// A plain object of options (numbers, booleans, strings, arrays of numbers) as the engine's Options,
// decoded once here at the entry; `what` names the object in the error when it is not one.
Options optionsArg(const Napi::CallbackInfo& info, size_t i, const char* what);
Options decodeOptions(Napi::Object object);

// dtype and device names as the TypeScript layer spells them.
at::ScalarType parseDtype(const std::string& name);
std::string dtypeName(at::ScalarType type);
at::Device parseDevice(const std::string& name);
std::string deviceName(const at::Device& device);

}  // namespace nodetorch
