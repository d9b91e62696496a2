#include "addon_entries.h"
#include "tensor_handle.h"

namespace nodetorch {

namespace {

// Distinguishes our Externals from any other native object passed in by mistake.
const napi_type_tag kTensorTag = {0x6e6f6465746f7263ULL, 0x68546e7352486e64ULL};

struct TensorBox {
  at::Tensor tensor;
  int64_t bytes = 0;
  bool disposed = false;
};

// The bytes a tensor holds, for the live-bytes counter and V8's external memory. An expanded view
// holds far less than its element count says (expand(2^28) of one element: 4 bytes, not 1 GiB,
// which sent V8 into a garbage collection per view).
int64_t tensorBytes(const at::Tensor& t) {
  if (!t.defined()) return 0;
  int64_t logical = static_cast<int64_t>(t.numel()) * static_cast<int64_t>(t.element_size());
  return t.has_storage() ? std::min<int64_t>(logical, static_cast<int64_t>(t.storage().nbytes())) : logical;
}

void release(Napi::Env env, TensorBox* box) {
  if (box->disposed) return;
  box->disposed = true;
  box->tensor = at::Tensor();
  AddonData& data = addonData(env);
  data.liveTensors -= 1;
  data.liveBytes -= box->bytes;
  Napi::MemoryManagement::AdjustExternalMemory(env, -box->bytes);
}

TensorBox* unbox(Napi::Env env, Napi::Value value) {
  if (!value.IsExternal()) return nullptr;
  bool tagged = false;
  if (napi_check_object_type_tag(env, value, &kTensorTag, &tagged) != napi_ok || !tagged) return nullptr;
  return value.As<Napi::External<TensorBox>>().Data();
}

}  // namespace

Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor) {
  auto* box = new TensorBox{std::move(tensor)};
  box->bytes = tensorBytes(box->tensor);
  // Runs inside the garbage collection where Node allows it (addon_finalizers.cc): it must only
  // drop the tensor and call Node-API's basic functions.
  auto handle = Napi::External<TensorBox>::New(env, box, [](Napi::Env env, TensorBox* b) {
    release(env, b);
    delete b;
  });
  napi_type_tag_object(env, handle, &kTensorTag);
  AddonData& data = addonData(env);
  data.liveTensors += 1;
  data.liveBytes += box->bytes;
  Napi::MemoryManagement::AdjustExternalMemory(env, box->bytes);
  return handle;
}

at::Tensor& tensorValue(Napi::Env env, Napi::Value value, const std::string& what) {
  TensorBox* box = unbox(env, value);
  if (box == nullptr) fail("expected a Tensor for " + what);
  if (box->disposed) fail(ErrorCode::Disposed, "the Tensor passed as " + what + " was disposed; it cannot be used any more");
  return box->tensor;
}

at::Tensor& tensorArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  return tensorValue(info.Env(), info.Length() > i ? info[i] : info.Env().Undefined(), what);
}

bool disposeHandle(Napi::Env env, Napi::Value value) {
  TensorBox* box = unbox(env, value);
  if (box == nullptr) fail("expected a Tensor to dispose");
  bool wasLive = !box->disposed;
  release(env, box);
  return wasLive;
}

bool isDisposedHandle(Napi::Env env, Napi::Value value) {
  TensorBox* box = unbox(env, value);
  if (box == nullptr) fail("expected a Tensor");
  return box->disposed;
}

static Napi::Value dispose(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), disposeHandle(info.Env(), info[0])); }

static Napi::Value isDisposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), isDisposedHandle(info.Env(), info[0]));
}

static Napi::Value memory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonData& data = addonData(env);
  Napi::Object out = Napi::Object::New(env);
  out.Set("tensors", Napi::Number::New(env, static_cast<double>(data.liveTensors)));
  out.Set("bytes", Napi::Number::New(env, static_cast<double>(data.liveBytes)));
  return out;
}

void registerTensorHandle(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {
      {"dispose", dispose},
      {"isDisposed", isDisposed},
      {"memory", memory},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
