// Model files: a JSON description (written by TypeScript) plus tensors, in LibTorch's archive
// format. Written to a temporary file and renamed, so a crash never leaves a half-written file.
#include "serialize.h"

#include <filesystem>
#include <unistd.h>

#include "tensor_handle.h"

namespace nodetorch {

namespace {

// saveArchive(path, json, tensors)
Napi::Value saveArchive(const Napi::CallbackInfo& info) {
  std::string path = stringArg(info, 0, "path");
  std::string json = stringArg(info, 1, "description");
  if (info.Length() < 3 || !info[2].IsArray()) fail("expected an array of tensors");
  Napi::Array list = info[2].As<Napi::Array>();
  torch::serialize::OutputArchive archive;
  archive.write("nodetorch", c10::IValue(json));
  archive.write("count", c10::IValue(static_cast<int64_t>(list.Length())));
  for (uint32_t k = 0; k < list.Length(); ++k) {
    at::Tensor t = tensorValue(info.Env(), list.Get(k), "tensor " + std::to_string(k)).detach().cpu();
    archive.write("t" + std::to_string(k), t);
  }
  std::string tmp = path + ".tmp-" + std::to_string(getpid());
  try {
    archive.save_to(tmp);
    std::filesystem::rename(tmp, path);
  } catch (const std::exception& e) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    fail("cannot write '" + path + "': " + e.what());
  }
  return info.Env().Undefined();
}

// loadArchive(path) → { json, tensors }
Napi::Value loadArchive(const Napi::CallbackInfo& info) {
  std::string path = stringArg(info, 0, "path");
  if (!std::filesystem::exists(path)) fail("no such file '" + path + "'");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error& e) {
    fail("'" + path + "' is not a nodetorch model file (" + e.what_without_backtrace() + ")");
  }
  c10::IValue json, count;
  if (!archive.try_read("nodetorch", json) || !json.isString() || !archive.try_read("count", count))
    fail("'" + path + "' is a LibTorch archive but not a nodetorch model file");
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

void registerSerialize(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {{"saveArchive", saveArchive}, {"loadArchive", loadArchive}};
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
