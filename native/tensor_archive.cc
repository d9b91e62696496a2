// Model and checkpoint files: a JSON description (written by TypeScript) plus tensors, in
// LibTorch's archive format, encoded to and decoded from bytes. TypeScript owns the file itself
// (lib/util/archive.ts: atomic write, read, errors naming the file).
#include <sstream>

#include "addon_entries.h"
#include "tensor_handle.h"

namespace nodetorch {

namespace {

// encodeArchive(json, tensors) → Buffer
Napi::Value encodeArchive(const Napi::CallbackInfo& info) {
  std::string json = stringArg(info, 0, "description");
  if (info.Length() < 2 || !info[1].IsArray()) fail("expected an array of tensors");
  Napi::Array list = info[1].As<Napi::Array>();
  torch::serialize::OutputArchive archive;
  archive.write("nodetorch", c10::IValue(json));
  archive.write("count", c10::IValue(static_cast<int64_t>(list.Length())));
  for (uint32_t k = 0; k < list.Length(); ++k) {
    at::Tensor t = tensorValue(info.Env(), list.Get(k), "tensor " + std::to_string(k)).detach().cpu();
    archive.write("t" + std::to_string(k), t);
  }
  std::ostringstream bytes;
  archive.save_to(bytes);
  std::string data = bytes.str();
  return Napi::Buffer<char>::Copy(info.Env(), data.data(), data.size());
}

// decodeArchive(bytes) → { json, tensors }
Napi::Value decodeArchive(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsTypedArray()) fail("expected the file's bytes");
  Napi::TypedArray array = info[0].As<Napi::TypedArray>();
  const char* data = static_cast<const char*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  std::istringstream bytes(std::string(data, array.ByteLength()));
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(bytes);
  } catch (const c10::Error& e) {
    fail(std::string("not a nodetorch model file (") + e.what_without_backtrace() + ")");
  }
  c10::IValue json, count;
  if (!archive.try_read("nodetorch", json) || !json.isString() || !archive.try_read("count", count))
    fail("a LibTorch archive but not a nodetorch model file");
  Napi::Env env = info.Env();
  Napi::Array tensors = Napi::Array::New(env);
  for (int64_t k = 0; k < count.toInt(); ++k) {
    at::Tensor t;
    archive.read("t" + std::to_string(k), t);
    tensors.Set(static_cast<uint32_t>(k), wrapTensor(env, t));
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("json", Napi::String::New(env, json.toStringRef()));
  out.Set("tensors", tensors);
  return out;
}

}  // namespace

void registerTensorArchive(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {{"encodeArchive", encodeArchive}, {"decodeArchive", decodeArchive}};
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
