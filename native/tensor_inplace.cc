// In-place writes that are not operators of the op table: Torch7's copy() and fill(), outside
// autograd. Every computing operator (add, relu, sum, matmul…) goes through the op table's one
// generic entry, native/tensor_ops.cc.
#include "addon_entries.h"
#include "tensor_handle.h"

namespace nodetorch {

namespace {

// copyFrom(dst, src): in place (Torch7's dst:copy(src)), broadcasting src; not recorded by autograd.
Napi::Value copyFrom(const Napi::CallbackInfo& info) {
  at::Tensor& dst = tensorArg(info, 0, "destination");
  at::Tensor& src = tensorArg(info, 1, "source");
  at::NoGradGuard noGrad;
  try {
    dst.copy_(src);
  } catch (const std::exception& e) {
    fail(classify(e),
         "cannot copy a tensor of shape " + shapeString(src.sizes()) + " into one of shape " + shapeString(dst.sizes()) + ": " + reason(e));
  }
  return info.Env().Undefined();
}

// fill(dst, value): in place (Torch7's fill/zero).
Napi::Value fill(const Napi::CallbackInfo& info) {
  at::Tensor& dst = tensorArg(info, 0, "destination");
  at::NoGradGuard noGrad;
  dst.fill_(numberArg(info, 1, "value"));
  return info.Env().Undefined();
}

}  // namespace

void registerTensorInPlace(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {
      {"copyFrom", copyFrom},
      {"fill", fill},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
