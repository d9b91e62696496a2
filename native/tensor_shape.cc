// Views, reshapes, indexing, concatenation and conversion between dtypes and devices.
#include "addon_entries.h"

#include "tensor_handle.h"

namespace nodetorch {

namespace {

Napi::Value view(const Napi::CallbackInfo& info) {
  at::Tensor& t = tensorArg(info, 0, "input");
  std::vector<int64_t> shape = intListArg(info, 1, "shape");
  try {
    return wrapTensor(info.Env(), t.view(shape));
  } catch (const std::exception& e) {
    fail("cannot view a tensor of shape " + shapeString(t.sizes()) + " (" + std::to_string(t.numel()) + " elements) as " +
         shapeString(shape) + ": " + reason(e));
  }
}

Napi::Value reshape(const Napi::CallbackInfo& info) {
  at::Tensor& t = tensorArg(info, 0, "input");
  std::vector<int64_t> shape = intListArg(info, 1, "shape");
  try {
    return wrapTensor(info.Env(), t.reshape(shape));
  } catch (const std::exception& e) {
    fail("cannot reshape a tensor of shape " + shapeString(t.sizes()) + " (" + std::to_string(t.numel()) + " elements) to " +
         shapeString(shape) + ": " + reason(e));
  }
}

Napi::Value transpose(const Napi::CallbackInfo& info) {
  return wrapTensor(info.Env(), tensorArg(info, 0, "input").transpose(intArg(info, 1, "dim0"), intArg(info, 2, "dim1")));
}

Napi::Value permute(const Napi::CallbackInfo& info) {
  return wrapTensor(info.Env(), tensorArg(info, 0, "input").permute(intListArg(info, 1, "dims")));
}

Napi::Value squeeze(const Napi::CallbackInfo& info) {
  at::Tensor& t = tensorArg(info, 0, "input");
  return wrapTensor(info.Env(), isMissing(info, 1) ? t.squeeze() : t.squeeze(intArg(info, 1, "dim")));
}

Napi::Value unsqueeze(const Napi::CallbackInfo& info) {
  return wrapTensor(info.Env(), tensorArg(info, 0, "input").unsqueeze(intArg(info, 1, "dim")));
}

Napi::Value contiguous(const Napi::CallbackInfo& info) { return wrapTensor(info.Env(), tensorArg(info, 0, "input").contiguous()); }

Napi::Value clone(const Napi::CallbackInfo& info) { return wrapTensor(info.Env(), tensorArg(info, 0, "input").clone()); }

Napi::Value detach(const Napi::CallbackInfo& info) { return wrapTensor(info.Env(), tensorArg(info, 0, "input").detach()); }

// index(t, specs): one spec per leading dimension; a number selects (dropping the dimension),
// null keeps the whole dimension, [start, end, step] slices. TypeScript checks the counts and
// ranges and resolves defaults; LibTorch's select/slice check them again.
Napi::Value index(const Napi::CallbackInfo& info) {
  at::Tensor out = tensorArg(info, 0, "input");
  if (info.Length() < 2 || !info[1].IsArray()) fail("expected an array of index specs");
  Napi::Array specs = info[1].As<Napi::Array>();
  int64_t dim = 0;
  for (uint32_t k = 0; k < specs.Length(); ++k) {
    Napi::Value spec = specs.Get(k);
    if (spec.IsNumber()) {
      out = out.select(dim, spec.As<Napi::Number>().Int64Value());
    } else if (spec.IsArray()) {
      Napi::Array range = spec.As<Napi::Array>();
      int64_t start = range.Get(0u).As<Napi::Number>().Int64Value();
      int64_t end = range.Get(1u).As<Napi::Number>().Int64Value();
      int64_t step = range.Get(2u).As<Napi::Number>().Int64Value();
      out = out.slice(dim, start, end, step);
      ++dim;
    } else if (spec.IsNull() || spec.IsUndefined()) {
      ++dim;
    } else {
      fail("index spec " + std::to_string(k) + " must be a number, null or [start, end, step]");
    }
  }
  return wrapTensor(info.Env(), out);
}

// indexSelect(t, dim, index): the entries at a vector of indices along dim (a copy); negative
// indices count from the end. TypeScript checks the dim and that indices lie in [-size, size).
Napi::Value indexSelect(const Napi::CallbackInfo& info) {
  at::Tensor& t = tensorArg(info, 0, "input");
  int64_t dim = intArg(info, 1, "dim");
  at::Tensor index = tensorArg(info, 2, "index").to(t.device(), at::kLong);
  int64_t size = t.size(dim);
  if (size > 0) index = at::remainder(index, size);
  return wrapTensor(info.Env(), t.index_select(dim, index));
}

Napi::Value cat(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsArray()) fail("expected an array of tensors");
  Napi::Array list = info[0].As<Napi::Array>();
  if (list.Length() == 0) fail("expected at least one tensor to concatenate");
  int64_t dim = intArg(info, 1, "dim");
  std::vector<at::Tensor> tensors;
  for (uint32_t k = 0; k < list.Length(); ++k)
    tensors.push_back(tensorValue(info.Env(), list.Get(k), "element " + std::to_string(k) + " of the list"));
  try {
    return wrapTensor(info.Env(), at::cat(tensors, dim));
  } catch (const std::exception& e) {
    // a long list is summarised: the first shapes and the count, not thousands of shapes
    constexpr size_t kListed = 6;
    std::string shapes;
    for (size_t k = 0; k < std::min(tensors.size(), kListed); ++k) shapes += (k ? ", " : "") + shapeString(tensors[k].sizes());
    if (tensors.size() > kListed) shapes += ", … (" + std::to_string(tensors.size()) + " tensors)";
    fail(classify(e), "cannot concatenate shapes " + shapes + " along dim " + std::to_string(dim) + ": " + reason(e));
  }
}

// to(t, dtype | null, device | null)
Napi::Value to(const Napi::CallbackInfo& info) {
  at::Tensor& t = tensorArg(info, 0, "input");
  at::ScalarType dtype = isMissing(info, 1) ? t.scalar_type() : parseDtype(stringArg(info, 1, "dtype"));
  at::Device device = isMissing(info, 2) ? t.device() : parseDevice(stringArg(info, 2, "device"));
  return wrapTensor(info.Env(), t.to(device, dtype));
}

}  // namespace

void registerTensorShape(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {
      {"view", view},
      {"reshape", reshape},
      {"transpose", transpose},
      {"permute", permute},
      {"squeeze", squeeze},
      {"unsqueeze", unsqueeze},
      {"contiguous", contiguous},
      {"clone", clone},
      {"detach", detach},
      {"index", index},
      {"cat", cat},
      {"to", to},
      {"indexSelect", indexSelect},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
