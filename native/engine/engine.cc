// What the whole engine shares: failures (fail() throws; classify() later tells the Node-API guard
// in common.cc which kind of TorchError to raise) and shapes as text. Nothing here knows about Node.
#include "engine.h"

#include <mutex>
#include <sstream>

namespace nodetorch {

const char* codeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument:
      return "INVALID_ARGUMENT";
    case ErrorCode::ShapeMismatch:
      return "SHAPE_MISMATCH";
    case ErrorCode::DtypeMismatch:
      return "DTYPE_MISMATCH";
    case ErrorCode::Device:
      return "DEVICE";
    case ErrorCode::Disposed:
      return "DISPOSED";
    case ErrorCode::Aborted:
      return "ABORTED";
    case ErrorCode::Io:
      return "IO";
    case ErrorCode::CorruptFile:
      return "CORRUPT_FILE";
    case ErrorCode::Distributed:
      return "DISTRIBUTED";
    case ErrorCode::OutOfMemory:
      return "OUT_OF_MEMORY";
    case ErrorCode::NotImplemented:
      return "NOT_IMPLEMENTED";
    case ErrorCode::Busy:
      return "BUSY";
    case ErrorCode::Internal:
      return "INTERNAL";
  }
  return "INTERNAL";
}

namespace {
// Our own checks' failures that are not invalid arguments.
struct CodedError : std::invalid_argument {
  CodedError(ErrorCode c, const std::string& message) : std::invalid_argument(message), code(c) {}
  ErrorCode code;
};
}  // namespace

void fail(const std::string& message) { throw std::invalid_argument(message); }
void fail(ErrorCode code, const std::string& message) { throw CodedError(code, message); }

// LibTorch messages carry a C++ backtrace in what(); users need the first line of the reason.
// A kernel missing for a 16-bit type gets what to use instead (most CPU kernels lack float16).
static std::string firstLines(const std::string& text) {
  std::string out = text;
  auto cut = out.find("\nException raised from");
  if (cut != std::string::npos) out = out.substr(0, cut);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (out.find(" kernel; ") != std::string::npos || out.find("kernel for bfloat16") != std::string::npos) return out;  // hinted already
  if (out.find("not implemented for 'Half'") != std::string::npos)
    out += " (float16 is for GPUs: this LibTorch lacks that CPU kernel; on the CPU use bfloat16 or float32)";
  else if (out.find("not implemented for 'BFloat16'") != std::string::npos)
    out += " (this LibTorch lacks that kernel for bfloat16; convert to float32 for it)";
  return out;
}

std::string reason(const std::exception& e) {
  if (auto* c = dynamic_cast<const c10::Error*>(&e)) return firstLines(c->what_without_backtrace());
  return firstLines(e.what());
}

// Each c10::Error asks LibTorch's stack-trace fetcher for a backtrace when it is made; LibTorch 1.13's
// unwinds and symbolizes it there and then (about 6 ms an error on a Zen 3), 2.x records the frames
// and symbolizes later. reason() drops it, so no message of nodetorch's ever shows it: a fetcher
// that returns nothing makes every LibTorch error as cheap as our own.
void skipErrorBacktraces() {
  static std::once_flag once;
  std::call_once(once, [] { c10::SetStackTraceFetcher(std::function<std::string()>([] { return std::string(); })); });
}

ErrorCode classify(const std::exception& e, ErrorCode generic) {
  if (auto* coded = dynamic_cast<const CodedError*>(&e)) return coded->code;
  if (dynamic_cast<const c10::OutOfMemoryError*>(&e) || dynamic_cast<const std::bad_alloc*>(&e)) return ErrorCode::OutOfMemory;
  if (dynamic_cast<const c10::NotImplementedError*>(&e)) return ErrorCode::NotImplemented;
  const std::string text = reason(e);
  auto has = [&](const char* part) { return text.find(part) != std::string::npos; };
  if (has("out of memory") || has("can't allocate memory")) return ErrorCode::OutOfMemory;
  if (has("not implemented for")) return ErrorCode::NotImplemented;
  if (has("same device") || has("CUDA") || has("device type") || has("on device")) return ErrorCode::Device;
  if (has("dtype") || has("scalar type") || has("Expected object of scalar type")) return ErrorCode::DtypeMismatch;
  if (has("without overflow")) return generic;                                           // a number too large for the dtype
  if (has("out of range") || has("out of bounds") || has("is outside")) return generic;  // an index or dim, not shapes
  if (has("size mismatch") || has("channels, but got") || has("can't be greater than actual input size") || has("must match the size") ||
      has("shapes cannot be multiplied") || has("is invalid for input of size") || has("-dimensional input") ||
      has("Sizes of tensors must match") || has("shape"))
    return ErrorCode::ShapeMismatch;
  if (dynamic_cast<const c10::Error*>(&e) || dynamic_cast<const std::invalid_argument*>(&e) || dynamic_cast<const std::out_of_range*>(&e))
    return generic;
  return generic == ErrorCode::InvalidArgument ? ErrorCode::Internal : generic;
}

std::string shapeString(at::IntArrayRef sizes) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < sizes.size(); ++i) out << (i ? ", " : "") << sizes[i];
  out << "]";
  return out.str();
}

}  // namespace nodetorch
