// Model and checkpoint files: a JSON description (written by TypeScript) plus tensors, in
// LibTorch's archive format, encoded to and decoded from bytes. TypeScript owns the file itself
// (lib/util/archive.ts: atomic write, read, errors naming the file).
//
// A record "sha1" holds a digest of the description and of every tensor (dtype, shape, bytes), so
// that a damaged file is an error rather than silently wrong weights: LibTorch's zip reader does
// not check its CRCs.
#include <c10/util/hash.h>

#include <sstream>

#include "addon_entries.h"
#include "tensor_handle.h"

namespace nodetorch {

namespace {

std::string digestOf(const std::string& json, const std::vector<at::Tensor>& tensors) {
  std::string summary = c10::sha1(json).str();
  for (const at::Tensor& t : tensors) {
    at::Tensor c = t.contiguous();
    summary += std::string(c10::toString(c.scalar_type())) + shapeString(c.sizes());
    if (c.numel() > 0) summary += c10::sha1(std::string(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size())).str();
  }
  return c10::sha1(summary).str();
}

// encodeArchive(json, tensors) → Buffer
Napi::Value encodeArchive(const Napi::CallbackInfo& info) {
  std::string json = stringArg(info, 0, "description");
  if (info.Length() < 2 || !info[1].IsArray()) fail("expected an array of tensors");
  Napi::Array list = info[1].As<Napi::Array>();
  torch::serialize::OutputArchive archive;
  archive.write("nodetorch", c10::IValue(json));
  archive.write("count", c10::IValue(static_cast<int64_t>(list.Length())));
  std::vector<at::Tensor> tensors;
  for (uint32_t k = 0; k < list.Length(); ++k) {
    tensors.push_back(tensorValue(info.Env(), list.Get(k), "tensor " + std::to_string(k)).detach().cpu());
    archive.write("t" + std::to_string(k), tensors.back());
  }
  archive.write("sha1", c10::IValue(digestOf(json, tensors)));
  std::ostringstream bytes;
  archive.save_to(bytes);
  std::string data = bytes.str();
  return Napi::Buffer<char>::Copy(info.Env(), data.data(), data.size());
}

// decodeArchive(bytes) → { json, tensors, checksummed }: fails when the digest does not match;
// files written before digests existed (checksummed false) are read as they are.
Napi::Value decodeArchive(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsTypedArray()) fail("expected the file's bytes");
  Napi::TypedArray array = info[0].As<Napi::TypedArray>();
  const char* data = static_cast<const char*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  std::istringstream bytes(std::string(data, array.ByteLength()));
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(bytes);
  } catch (const c10::Error& e) {
    fail(ErrorCode::CorruptFile, std::string("not a nodetorch model file (") + e.what_without_backtrace() + ")");
  }
  c10::IValue json, count;
  if (!archive.try_read("nodetorch", json) || !json.isString() || !archive.try_read("count", count))
    fail(ErrorCode::CorruptFile, "a LibTorch archive but not a nodetorch model file");
  std::vector<at::Tensor> read;
  for (int64_t k = 0; k < count.toInt(); ++k) {
    at::Tensor t;
    archive.read("t" + std::to_string(k), t);
    read.push_back(t);
  }
  c10::IValue digest;
  bool checksummed = archive.try_read("sha1", digest);
  if (checksummed) {
    std::string expected = digest.isString() ? digest.toStringRef() : "";
    if (digestOf(json.toStringRef(), read) != expected)
      fail(ErrorCode::CorruptFile, "damaged: its contents do not match the checksum written with them (a truncated or altered file)");
  }
  Napi::Env env = info.Env();
  Napi::Array tensors = Napi::Array::New(env);
  for (size_t k = 0; k < read.size(); ++k) tensors.Set(static_cast<uint32_t>(k), wrapTensor(env, read[k]));
  Napi::Object out = Napi::Object::New(env);
  out.Set("json", Napi::String::New(env, json.toStringRef()));
  out.Set("tensors", tensors);
  out.Set("checksummed", Napi::Boolean::New(env, checksummed));
  return out;
}

}  // namespace

void registerTensorArchive(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {{"encodeArchive", encodeArchive}, {"decodeArchive", decodeArchive}};
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
