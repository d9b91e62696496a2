#include "common.h"

#include "addon_runtime.h"
#include "addon_warnings.h"

#include <sstream>

namespace nodetorch {

AddonData& addonData(Napi::Env env) {
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data == nullptr) {
    data = new AddonData();
    env.SetInstanceData<AddonData>(data);  // deleted by Node when this environment exits
  }
  return *data;
}

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

Napi::Error torchError(Napi::Env env, const std::string& op, const std::string& message, ErrorCode code) {
  std::string text = op + ": " + message;
  AddonData& data = addonData(env);
  if (!data.torchError.IsEmpty()) {
    Napi::Object options = Napi::Object::New(env);
    options.Set("code", codeName(code));
    options.Set("op", op);
    Napi::Object error = data.torchError.New({Napi::String::New(env, text), options});
    return Napi::Error(env, error);
  }
  return Napi::Error::New(env, text);
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

static Napi::Value dispatch(const Napi::CallbackInfo& info) {
  const Entry* entry = static_cast<const Entry*>(info.Data());
  Napi::Env env = info.Env();
  auto op = [&]() -> std::string { return entry->name; };
  // LibTorch's warnings during the call become process warnings (before a failure's error)
  auto warn = [&]() {
    std::vector<std::string> warnings = takeWarnings();
    if (!warnings.empty()) emitWarnings(env, warnings);
  };
  try {
    Napi::Value result = entry->impl(info);
    warn();
    return result;
  } catch (const Napi::Error&) {
    takeWarnings();  // a JavaScript exception is pending: nothing may call into JavaScript
    throw;
  } catch (const std::exception& e) {
    warn();
    throw torchError(env, op(), reason(e), classify(e, entry->failures));
  } catch (...) {
    warn();
    throw torchError(env, op(), "unknown native error", ErrorCode::Internal);
  }
}

void registerEntries(Napi::Env env, Napi::Object exports, const std::vector<Entry>& entries) {
  for (const Entry& entry : entries) {
    // Entries live in static const tables, so the pointer outlives every environment.
    exports.Set(entry.name, Napi::Function::New(env, dispatch, entry.name, const_cast<Entry*>(&entry)));
  }
}

bool isMissing(const Napi::CallbackInfo& info, size_t i) { return info.Length() <= i || info[i].IsUndefined() || info[i].IsNull(); }

static void requireArg(const Napi::CallbackInfo& info, size_t i, bool ok, const char* what, const char* type) {
  if (!ok) fail(std::string("expected ") + type + " for " + what + " (argument " + std::to_string(i + 1) + ")");
}

double numberArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  requireArg(info, i, info.Length() > i && info[i].IsNumber(), what, "a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

int64_t intArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  double v = numberArg(info, i, what);
  if (v != static_cast<double>(static_cast<int64_t>(v))) fail(std::string("expected an integer for ") + what);
  return static_cast<int64_t>(v);
}

bool boolArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  requireArg(info, i, info.Length() > i && info[i].IsBoolean(), what, "a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

std::string stringArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  requireArg(info, i, info.Length() > i && info[i].IsString(), what, "a string");
  return info[i].As<Napi::String>().Utf8Value();
}

std::vector<int64_t> intListArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  requireArg(info, i, info.Length() > i && info[i].IsArray(), what, "an array of integers");
  Napi::Array array = info[i].As<Napi::Array>();
  std::vector<int64_t> out(array.Length());
  for (uint32_t k = 0; k < array.Length(); ++k) {
    Napi::Value v = array.Get(k);
    if (!v.IsNumber()) fail(std::string("expected an array of integers for ") + what);
    out[k] = v.As<Napi::Number>().Int64Value();
  }
  return out;
}

at::ScalarType parseDtype(const std::string& name) {
  if (name == "float32") return at::kFloat;
  if (name == "float64") return at::kDouble;
  if (name == "int64") return at::kLong;
  if (name == "int32") return at::kInt;
  if (name == "uint8") return at::kByte;
  if (name == "bool") return at::kBool;
  if (name == "float16") return at::kHalf;
  if (name == "bfloat16") return at::kBFloat16;
  fail("unknown dtype '" + name + "'; expected float32, float64, float16, bfloat16, int64, int32, uint8 or bool");
}

std::string dtypeName(at::ScalarType type) {
  switch (type) {
    case at::kFloat:
      return "float32";
    case at::kDouble:
      return "float64";
    case at::kLong:
      return "int64";
    case at::kInt:
      return "int32";
    case at::kByte:
      return "uint8";
    case at::kBool:
      return "bool";
    case at::kHalf:
      return "float16";
    case at::kBFloat16:
      return "bfloat16";
    default:
      return c10::toString(type);
  }
}

at::Device parseDevice(const std::string& name) {
  if (name == "cpu") return at::Device(at::kCPU);
  if (name.rfind("cuda", 0) == 0) {
    at::Device device(at::kCUDA);
    if (name != "cuda") {
      if (name.size() < 6 || name[4] != ':' || name.find_first_not_of("0123456789", 5) != std::string::npos)
        fail("unknown device '" + name + "'; expected 'cpu', 'cuda' or 'cuda:N'");
      device = at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(std::stoi(name.substr(5))));
    }
    int64_t count = static_cast<int64_t>(torch::cuda::device_count());
    if (count == 0)
      fail(ErrorCode::Device,
           "device '" + name + "' requested but CUDA is not available: " +
               (libtorchHasCuda() ? "no GPU is visible to this CUDA LibTorch (check the driver and CUDA_VISIBLE_DEVICES)"
                                  : "this LibTorch was built without CUDA (build against a CUDA LibTorch: docs/building.md, 'CUDA')") +
               "; use 'cpu'");
    if (device.has_index() && device.index() >= count)
      fail(ErrorCode::Device, "device '" + name + "' requested but only " + std::to_string(count) + " CUDA device(s) exist");
    return device;
  }
  fail("unknown device '" + name + "'; expected 'cpu', 'cuda' or 'cuda:N'");
}

std::string deviceName(const at::Device& device) {
  if (device.is_cpu()) return "cpu";
  if (device.is_cuda()) return "cuda:" + std::to_string(device.has_index() ? device.index() : 0);
  return device.str();
}

std::string shapeString(at::IntArrayRef sizes) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < sizes.size(); ++i) out << (i ? ", " : "") << sizes[i];
  out << "]";
  return out.str();
}

}  // namespace nodetorch
