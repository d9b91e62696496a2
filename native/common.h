// Shared plumbing for every native entry point: per-environment state, the error guard,
// argument readers and the registration table.
#pragma once
#include <set>
#include <unordered_map>
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
  // callOp's operators, found once by "name.overload" (the dispatcher's lookup costs a microsecond)
  std::unordered_map<std::string, c10::OperatorHandle> operators;
};

AddonData& addonData(Napi::Env env);

// The kinds of failure a TorchError's `code` names; lib/errors.ts lists the same names.
enum class ErrorCode {
  InvalidArgument,
  ShapeMismatch,
  DtypeMismatch,
  Device,
  Disposed,
  Aborted,
  Io,
  CorruptFile,
  Distributed,
  OutOfMemory,
  NotImplemented,
  Busy,
  Internal
};
const char* codeName(ErrorCode code);

// A native entry point. dispatch() runs it inside the one guard that converts every C++
// exception into a JS TorchError naming the operation.
using Impl = Napi::Value (*)(const Napi::CallbackInfo&);
struct Entry {
  const char* name;
  Impl impl;
  ErrorCode failures = ErrorCode::InvalidArgument;  // the code of a failure nothing classifies further
};
void registerEntries(Napi::Env env, Napi::Object exports, const std::vector<Entry>& entries);

// A JS TorchError (or Error before init) carrying "<op>: <message>", its code and op.
Napi::Error torchError(Napi::Env env, const std::string& op, const std::string& message, ErrorCode code);
// Throws a C++ exception caught by the guard; use for checks inside native code. Without a code it
// is an invalid argument.
[[noreturn]] void fail(const std::string& message);
[[noreturn]] void fail(ErrorCode code, const std::string& message);
// The reason an exception gives, without LibTorch's C++ backtrace.
std::string reason(const std::exception& e);
// The kind of failure an exception is: by its type, else (LibTorch's generic c10::Error) by its
// reason. The one place that reads a message to tell failures apart. `generic`: the code of a
// failure none of that tells apart (an invalid argument, or the entry point's own kind).
ErrorCode classify(const std::exception& e, ErrorCode generic = ErrorCode::InvalidArgument);

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
