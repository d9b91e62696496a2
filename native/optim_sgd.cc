#include "optim_sgd.h"

#include "tensor_handle.h"

namespace nodetorch {

SgdConfig sgdConfigFrom(Napi::Object config) {
  SgdConfig c;
  auto number = [&](const char* key, double& out) {
    Napi::Value v = config.Get(key);
    if (!v.IsUndefined()) out = v.As<Napi::Number>().DoubleValue();
  };
  number("learningRate", c.learningRate);
  number("learningRateDecay", c.learningRateDecay);
  number("weightDecay", c.weightDecay);
  number("momentum", c.momentum);
  number("dampening", c.dampening);
  Napi::Value nesterov = config.Get("nesterov");
  if (!nesterov.IsUndefined()) c.nesterov = nesterov.As<Napi::Boolean>().Value();
  return c;
}

void sgdStep(at::Tensor& x, at::Tensor& g, const SgdConfig& config, SgdState& state) {
  at::NoGradGuard noGrad;
  double damp = config.dampening < 0 ? config.momentum : config.dampening;
  if (config.nesterov && (config.momentum <= 0 || damp != 0))
    fail("nesterov momentum needs momentum > 0 and dampening = 0");
  if (config.weightDecay != 0) g.add_(x, config.weightDecay);
  at::Tensor step = g;
  if (config.momentum != 0) {
    if (!state.dfdx.defined()) {
      state.dfdx = g.clone();  // first step: buffer = gradient, undamped (Torch7)
    } else {
      state.dfdx.mul_(config.momentum).add_(g, 1 - damp);
    }
    step = config.nesterov ? g.add(state.dfdx, config.momentum) : state.dfdx;
  }
  double clr = config.learningRate / (1 + static_cast<double>(state.evalCounter) * config.learningRateDecay);
  x.add_(step, -clr);
  state.evalCounter += 1;
}

namespace {

// sgdUpdate(x, g, config, { evalCounter, dfdx }) → { evalCounter, dfdx }: the closure form's step.
Napi::Value sgdUpdate(const Napi::CallbackInfo& info) {
  at::Tensor& x = tensorArg(info, 0, "x");
  at::Tensor& g = tensorArg(info, 1, "gradient");
  if (!x.sizes().equals(g.sizes()))
    fail("the gradient from feval has shape " + shapeString(g.sizes()) + " but x has shape " + shapeString(x.sizes()));
  if (!info[2].IsObject() || !info[3].IsObject()) fail("expected config and state objects");
  SgdConfig config = sgdConfigFrom(info[2].As<Napi::Object>());
  Napi::Object stateIn = info[3].As<Napi::Object>();
  SgdState state;
  state.evalCounter = stateIn.Get("evalCounter").As<Napi::Number>().Int64Value();
  Napi::Value dfdx = stateIn.Get("dfdx");
  if (!dfdx.IsNull() && !dfdx.IsUndefined()) state.dfdx = tensorValue(info.Env(), dfdx, "state.dfdx");
  sgdStep(x, g, config, state);
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("evalCounter", Napi::Number::New(info.Env(), static_cast<double>(state.evalCounter)));
  out.Set("dfdx", state.dfdx.defined() ? wrapTensor(info.Env(), state.dfdx) : info.Env().Null());
  return out;
}

}  // namespace

void registerOptimSgd(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {{"sgdUpdate", sgdUpdate}};
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
