// Reading tensors back into JavaScript: metadata, typed-array copies and scalars.
#include "addon_entries.h"

#include "tensor_handle.h"

namespace nodetorch {

namespace {

Napi::Value shape(const Napi::CallbackInfo& info) {
  at::Tensor& t = tensorArg(info, 0, "tensor");
  Napi::Array out = Napi::Array::New(info.Env(), t.dim());
  for (int64_t d = 0; d < t.dim(); ++d) out.Set(static_cast<uint32_t>(d), Napi::Number::New(info.Env(), static_cast<double>(t.size(d))));
  return out;
}

// strides(t): how many elements a step along each dimension moves in memory (PyTorch's stride()).
Napi::Value strides(const Napi::CallbackInfo& info) {
  at::Tensor& t = tensorArg(info, 0, "tensor");
  Napi::Array out = Napi::Array::New(info.Env(), t.dim());
  for (int64_t d = 0; d < t.dim(); ++d) out.Set(static_cast<uint32_t>(d), Napi::Number::New(info.Env(), static_cast<double>(t.stride(d))));
  return out;
}

Napi::Value dtype(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), dtypeName(tensorArg(info, 0, "tensor").scalar_type()));
}

Napi::Value device(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), deviceName(tensorArg(info, 0, "tensor").device()));
}

Napi::Value typedCopy(Napi::Env env, const at::Tensor& t, napi_typedarray_type type) {
  size_t bytes = static_cast<size_t>(t.numel()) * t.element_size();
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes);
  if (bytes > 0) std::memcpy(buffer.Data(), t.data_ptr(), bytes);
  napi_value array;
  NAPI_THROW_IF_FAILED(env, napi_create_typedarray(env, type, static_cast<size_t>(t.numel()), buffer, 0, &array), Napi::Value());
  return Napi::Value(env, array);
}

// data(t, bits?): a copy of the values in row-major order, in the typed array matching the dtype;
// with bits, float16 and bfloat16 come as their bit patterns (a Uint16Array), for writing files.
Napi::Value data(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor t = tensorArg(info, 0, "tensor").detach().to(at::kCPU).contiguous();
  bool bits = info.Length() > 1 && info[1].IsBoolean() && info[1].As<Napi::Boolean>().Value();
  if (bits && (t.scalar_type() == at::kHalf || t.scalar_type() == at::kBFloat16)) return typedCopy(env, t, napi_uint16_array);
  switch (t.scalar_type()) {
    case at::kFloat:
      return typedCopy(env, t, napi_float32_array);
    case at::kDouble:
      return typedCopy(env, t, napi_float64_array);
    case at::kLong:
      return typedCopy(env, t, napi_bigint64_array);
    case at::kInt:
      return typedCopy(env, t, napi_int32_array);
    case at::kByte:
      return typedCopy(env, t, napi_uint8_array);
    case at::kBool:
      return typedCopy(env, t, napi_uint8_array);
    // JavaScript has no 16-bit float array (Node 20): widened to float32, which holds them exactly
    case at::kHalf:
    case at::kBFloat16:
      return typedCopy(env, t.to(at::kFloat), napi_float32_array);
    default:
      fail("dtype " + dtypeName(t.scalar_type()) + " cannot be copied out");
  }
}

Napi::Value item(const Napi::CallbackInfo& info) {
  at::Tensor& t = tensorArg(info, 0, "tensor");
  if (t.numel() != 1) fail("item() needs a tensor with exactly one element, got shape " + shapeString(t.sizes()));
  at::Scalar s = t.item();
  if (t.scalar_type() == at::kBool) return Napi::Boolean::New(info.Env(), s.toBool());
  return Napi::Number::New(info.Env(), s.toDouble());
}

Napi::Value requiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), tensorArg(info, 0, "tensor").requires_grad());
}

}  // namespace

void registerTensorInfo(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {
      {"shape", shape}, {"strides", strides},           {"dtype", dtype}, {"device", device}, {"data", data},
      {"item", item},   {"requiresGrad", requiresGrad},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
