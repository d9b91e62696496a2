#include "common.h"

#include "addon_runtime.h"
#include "addon_warnings.h"

namespace nodetorch {

AddonData& addonData(Napi::Env env) {
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data == nullptr) {
    data = new AddonData();
    env.SetInstanceData<AddonData>(data);  // deleted by Node when this environment exits
  }
  return *data;
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
  } catch (const Napi::Error& error) {
    raiseInJavaScript(env, error);
    return Napi::Value();
  }
}

void raiseInJavaScript(Napi::Env env, const Napi::Error& error) {
  // Thrown here rather than rethrown to node-addon-api: where JavaScript can no longer run (a worker
  // terminated mid-call, whose termination then unwinds it) its handler would throw a second C++
  // exception and std::terminate abort the whole process. The status tells that case apart, and
  // node-addon-api misreads its status under the module API version addon_finalizers.cc may choose.
  // Where napi_throw fails, JavaScript cannot run: there is no one left to tell.
  if (!error.IsEmpty()) napi_throw(env, error.Value());
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

Options optionsArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsObject()) fail(std::string("expected ") + what);
  return decodeOptions(info[i].As<Napi::Object>());
}

// Values of other kinds (undefined, null, objects) are left out: a key the engine then reads is an
// internal error naming it, as TypeScript fills every option the engine reads.
Options decodeOptions(Napi::Object object) {
  Options options;
  Napi::Array keys = object.GetPropertyNames();
  for (uint32_t k = 0; k < keys.Length(); ++k) {
    std::string key = keys.Get(k).ToString().Utf8Value();
    Napi::Value v = object.Get(key);
    if (v.IsNumber()) {
      options.set(key, v.As<Napi::Number>().DoubleValue());
    } else if (v.IsBoolean()) {
      options.set(key, v.As<Napi::Boolean>().Value());
    } else if (v.IsString()) {
      options.set(key, v.As<Napi::String>().Utf8Value());
    } else if (v.IsArray()) {
      Napi::Array a = v.As<Napi::Array>();
      std::vector<double> numbers;
      for (uint32_t j = 0; j < a.Length(); ++j) {
        Napi::Value entry = a.Get(j);
        if (!entry.IsNumber()) fail("option '" + key + "' holds a value that is not a number");
        numbers.push_back(entry.As<Napi::Number>().DoubleValue());
      }
      options.set(key, std::move(numbers));
    }
  }
  return options;
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

}  // namespace nodetorch
