// PyTorch state dicts: a name → tensor dictionary in the format of Python's torch.save (a zip of a
// pickle and the tensors' storages), written and read by LibTorch's own pickler. TypeScript owns
// the names, the checks against a model and the file (atomic write, errors naming it).
#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/pickler.h>
#include <torch/serialize.h>

#include "addon_entries.h"
#include "tensor_handle.h"

namespace nodetorch {

namespace {

// The bytes of Python's torch.save(dict) for a name → tensor dict. torch::pickle_save would tag
// the dict with its TorchScript type (torch.jit._pickle.restore_type_tag), which torch.load's
// default weights_only mode (PyTorch >= 2.6) refuses; without the tag it is a plain dict of tensors.
std::vector<char> saveDict(const c10::Dict<std::string, at::Tensor>& dict) {
  std::vector<char> pickle;
  torch::jit::Pickler pickler([&](const char* bytes, size_t n) { pickle.insert(pickle.end(), bytes, bytes + n); }, nullptr, nullptr,
                              nullptr, nullptr, /*tag_aggregates=*/false);
  pickler.protocol();
  pickler.pushIValue(c10::IValue(dict));
  pickler.stop();
  std::vector<char> file;
  caffe2::serialize::PyTorchStreamWriter writer([&](const void* bytes, size_t n) {
    file.insert(file.end(), static_cast<const char*>(bytes), static_cast<const char*>(bytes) + n);
    return n;
  });
  // the layout of torch.save: data.pkl, and each storage as data/<key> in the pickle's order
  writer.writeRecord("data.pkl", pickle.data(), pickle.size());
  const std::vector<at::Tensor>& storages = pickler.tensorData();
  for (size_t k = 0; k < storages.size(); ++k) {
    torch::jit::WriteableTensorData data = torch::jit::getWriteableTensorData(storages[k]);
    writer.writeRecord("data/" + std::to_string(k), data.data(), data.sizeInBytes());
  }
  writer.writeEndOfFile();
  return file;
}

// encodeStateDict(names, tensors) → Buffer: an ordered dict, as Python's model.state_dict().
Napi::Value encodeStateDict(const Napi::CallbackInfo& info) {
  if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsArray()) fail("expected an array of names and an array of tensors");
  Napi::Array names = info[0].As<Napi::Array>();
  Napi::Array tensors = info[1].As<Napi::Array>();
  if (names.Length() != tensors.Length()) fail("expected as many names as tensors");
  c10::Dict<std::string, at::Tensor> dict;
  for (uint32_t k = 0; k < names.Length(); ++k) {
    Napi::Value name = names.Get(k);
    if (!name.IsString()) fail("state dict name " + std::to_string(k) + " is not a string");
    at::Tensor t = tensorValue(info.Env(), tensors.Get(k), "state dict tensor " + std::to_string(k));
    dict.insert(name.As<Napi::String>().Utf8Value(), t.detach().cpu().contiguous());
  }
  std::vector<char> bytes = saveDict(dict);
  return Napi::Buffer<char>::Copy(info.Env(), bytes.data(), bytes.size());
}

// decodeStateDict(bytes) → { names, tensors }: a dict of string → tensor written by torch.save
// (model.state_dict(), an OrderedDict, or a plain dict).
Napi::Value decodeStateDict(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsTypedArray()) fail("expected the file's bytes");
  Napi::TypedArray array = info[0].As<Napi::TypedArray>();
  const char* data = static_cast<const char*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  c10::IValue value;
  try {
    value = torch::pickle_load(std::vector<char>(data, data + array.ByteLength()));
  } catch (const std::exception& e) {
    fail(ErrorCode::CorruptFile, std::string("not a file written by torch.save (") + reason(e) + ")");
  }
  if (!value.isGenericDict()) fail("the file holds a " + value.tagKind() + ", not a state dict (a dictionary of name → tensor)");
  Napi::Env env = info.Env();
  Napi::Array names = Napi::Array::New(env);
  Napi::Array tensors = Napi::Array::New(env);
  uint32_t k = 0;
  for (const auto& entry : value.toGenericDict()) {
    if (!entry.key().isString()) fail("a state dict key is a " + entry.key().tagKind() + ", not a name");
    std::string name = entry.key().toStringRef();
    if (!entry.value().isTensor()) fail("state dict entry '" + name + "' is a " + entry.value().tagKind() + ", not a tensor");
    names.Set(k, Napi::String::New(env, name));
    tensors.Set(k, wrapTensor(env, entry.value().toTensor()));
    ++k;
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("names", names);
  result.Set("tensors", tensors);
  return result;
}

}  // namespace

void registerTensorPickle(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {
      {"encodeStateDict", encodeStateDict},
      {"decodeStateDict", decodeStateDict},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
