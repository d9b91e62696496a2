// Tensor factories.
#include "addon_entries.h"

#include "tensor_handle.h"

namespace nodetorch {

namespace {

at::TensorOptions tensorOptionsArg(const Napi::CallbackInfo& info, size_t i) {
  return at::TensorOptions().dtype(parseDtype(stringArg(info, i, "dtype"))).device(parseDevice(stringArg(info, i + 1, "device")));
}

// fromBuffer(typedArray, shape, dtype, device): copies the typed array's bytes; TypeScript has
// already converted numbers and nested arrays into a typed array of the requested dtype. float16
// and bfloat16 come either as their bits (a Uint16Array) or as a Float32Array, rounded here.
Napi::Value fromBuffer(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsTypedArray()) fail("expected a typed array of values");
  Napi::TypedArray array = info[0].As<Napi::TypedArray>();
  std::vector<int64_t> shape = intListArg(info, 1, "shape");
  at::TensorOptions options = tensorOptionsArg(info, 2);
  // float16 and bfloat16 given as a Float32Array: read as float32, rounded by the conversion below
  const at::ScalarType target = options.dtype().toScalarType();
  if ((target == at::kHalf || target == at::kBFloat16) && array.TypedArrayType() == napi_float32_array) options = options.dtype(at::kFloat);
  int64_t numel = 1;
  for (int64_t s : shape) numel *= s;
  int64_t elementSize = static_cast<int64_t>(c10::elementSize(options.dtype().toScalarType()));
  if (static_cast<int64_t>(array.ByteLength()) != numel * elementSize)
    fail("value count does not match shape " + shapeString(shape) + ": got " +
         std::to_string(array.ByteLength() / std::max<int64_t>(elementSize, 1)) + " values, expected " + std::to_string(numel));
  uint8_t* bytes = static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  at::Tensor cpu = at::empty(shape, options.device(at::kCPU));
  if (numel > 0) std::memcpy(cpu.data_ptr(), bytes, static_cast<size_t>(numel * elementSize));
  return wrapTensor(info.Env(), cpu.to(options.device(), target));
}

Napi::Value full(const Napi::CallbackInfo& info) {
  std::vector<int64_t> shape = intListArg(info, 0, "shape");
  double value = numberArg(info, 1, "fill value");
  return wrapTensor(info.Env(), at::full(shape, value, tensorOptionsArg(info, 2)));
}

Napi::Value rand(const Napi::CallbackInfo& info) {
  return wrapTensor(info.Env(), at::rand(intListArg(info, 0, "shape"), tensorOptionsArg(info, 1)));
}

Napi::Value randn(const Napi::CallbackInfo& info) {
  return wrapTensor(info.Env(), at::randn(intListArg(info, 0, "shape"), tensorOptionsArg(info, 1)));
}

// randperm(n, dtype, device): a random permutation of 0..n-1, drawn as the training loop shuffles.
Napi::Value randperm(const Napi::CallbackInfo& info) {
  return wrapTensor(info.Env(), at::randperm(intArg(info, 0, "n"), tensorOptionsArg(info, 1)));
}

Napi::Value arange(const Napi::CallbackInfo& info) {
  double start = numberArg(info, 0, "start");
  double end = numberArg(info, 1, "end");
  double step = numberArg(info, 2, "step");
  return wrapTensor(info.Env(), at::arange(start, end, step, tensorOptionsArg(info, 3)));
}

}  // namespace

void registerTensorCreate(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {
      {"fromBuffer", fromBuffer}, {"full", full}, {"rand", rand}, {"randn", randn}, {"arange", arange}, {"randperm", randperm},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
