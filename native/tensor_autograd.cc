// Autograd: marking leaves, backward, reading gradients, and the (thread-local) grad mode.
#include "addon_entries.h"

#include "tensor_handle.h"

namespace nodetorch {

namespace {

Napi::Value setRequiresGrad(const Napi::CallbackInfo& info) {
  at::Tensor& t = tensorArg(info, 0, "tensor");
  bool flag = boolArg(info, 1, "requiresGrad");
  if (flag && !at::isFloatingType(t.scalar_type()))
    fail("only floating-point tensors can require gradients; this one is " + dtypeName(t.scalar_type()));
  if (!t.is_leaf() && !flag) fail("requiresGrad can only be switched off on a leaf tensor; use detach()");
  t.set_requires_grad(flag);
  return info.Env().Undefined();
}

// backward(t, gradient?): a scalar output needs no gradient; others need one of their shape.
Napi::Value backward(const Napi::CallbackInfo& info) {
  at::Tensor& t = tensorArg(info, 0, "tensor");
  if (!t.requires_grad()) fail("this tensor does not require gradients: set requiresGrad on an input before computing it");
  if (isMissing(info, 1)) {
    if (t.numel() != 1)
      fail("backward() without a gradient needs a single-element output, got shape " + shapeString(t.sizes()) +
           "; pass a gradient of the same shape");
    t.backward();
  } else {
    at::Tensor& g = tensorArg(info, 1, "gradient");
    if (!g.sizes().equals(t.sizes()))
      fail("gradient shape " + shapeString(g.sizes()) + " does not match the output shape " + shapeString(t.sizes()));
    t.backward(g);
  }
  return info.Env().Undefined();
}

Napi::Value grad(const Napi::CallbackInfo& info) {
  at::Tensor& t = tensorArg(info, 0, "tensor");
  const at::Tensor& g = t.grad();
  if (!g.defined()) return info.Env().Null();
  return wrapTensor(info.Env(), g);
}

Napi::Value zeroGrad(const Napi::CallbackInfo& info) {
  at::Tensor& t = tensorArg(info, 0, "tensor");
  if (t.grad().defined()) t.mutable_grad().zero_();
  return info.Env().Undefined();
}

Napi::Value setGradEnabled(const Napi::CallbackInfo& info) {
  at::GradMode::set_enabled(boolArg(info, 0, "enabled"));
  return info.Env().Undefined();
}

Napi::Value isGradEnabled(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled()); }

}  // namespace

void registerTensorAutograd(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {
      {"setRequiresGrad", setRequiresGrad}, {"backward", backward},           {"grad", grad}, {"zeroGrad", zeroGrad},
      {"setGradEnabled", setGradEnabled},   {"isGradEnabled", isGradEnabled},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
