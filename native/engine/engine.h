// The engine: modules, criteria and optimizers over LibTorch, without Node-API. The addon's
// entry points (native/*.cc) decode JavaScript values into the engine's records (Options) and
// convert its failures into TorchErrors; the engine itself compiles and is tested without Node
// (test/native/engine_test.cc).
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

namespace nodetorch {

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

// Throws a C++ exception caught by the guard; use for checks inside native code. Without a code it
// is an invalid argument.
[[noreturn]] void fail(const std::string& message);
[[noreturn]] void fail(ErrorCode code, const std::string& message);
// The reason an exception gives, without LibTorch's C++ backtrace.
std::string reason(const std::exception& e);
// Stops LibTorch from fetching a C++ backtrace for each error it raises (once per process).
void skipErrorBacktraces();
// The kind of failure an exception is: by its type, else (LibTorch's generic c10::Error) by its
// reason. The one place that reads a message to tell failures apart. `generic`: the code of a
// failure none of that tells apart (an invalid argument, or the entry point's own kind).
ErrorCode classify(const std::exception& e, ErrorCode generic = ErrorCode::InvalidArgument);

// [2, 3]: a shape as the errors print it.
std::string shapeString(at::IntArrayRef sizes);

}  // namespace nodetorch
