// Optimizer entry points: create one (Trainer), step one in Torch7's closure form (optim.X), read
// and restore its state (checkpoints).
#include "addon_entries.h"
#include "optim_api.h"

#include "boxed.h"
#include "tensor_handle.h"

namespace nodetorch {

namespace {

const napi_type_tag kOptimizerTag = {0x6e746f7074696d7aULL, 0x4e5f607182930415ULL};

OptimizerHandle& handleArg(const Napi::CallbackInfo& info, size_t i) {
  return boxedArg<OptimizerHandle>(info, i, kOptimizerTag, "a native optimizer");
}

Napi::Value newHandle(Napi::Env env, const std::string& method, const Options& config) {
  auto handle = std::make_unique<OptimizerHandle>();
  handle->method = createOptimMethod(method);
  handle->method->configure(config);
  return wrapBoxed(env, handle.release(), kOptimizerTag);
}

Napi::Object scalarsObject(Napi::Env env, const OptimMethod& m) {
  Napi::Object out = Napi::Object::New(env);
  for (auto& [key, value] : m.scalars()) out.Set(key, Napi::Number::New(env, value));
  return out;
}

// optimizerCreate(method, config) → handle
Napi::Value optimizerCreate(const Napi::CallbackInfo& info) {
  std::string method = stringArg(info, 0, "optimizer method");
  return newHandle(info.Env(), method, optionsArg(info, 1, "a config object"));
}

// optimStep(method, x, config, handle | null, feval) →
//   { fs, evaluations, stoppedAtStart, state, scalars, tensors (their names), average | null }
// Torch7's closure form: the algorithm runs here and calls the JavaScript feval synchronously.
Napi::Value optimStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string method = stringArg(info, 0, "method");
  at::Tensor& x = tensorArg(info, 1, "x");
  Napi::Value xHandle = info[1];
  Options config = optionsArg(info, 2, "a config object");
  if (info.Length() < 5 || !info[4].IsFunction()) fail("expected feval to be a function");
  Napi::Function fn = info[4].As<Napi::Function>();
  Napi::Value stateHandle = isMissing(info, 3) ? newHandle(env, method, config) : info[3];
  OptimizerHandle* handle = optimizerFromValue(env, stateHandle);
  if (handle == nullptr) fail("the state object holds no native optimizer state");
  OptimMethod& m = *handle->method;
  if (m.name != method) fail("this state belongs to optim." + m.name + ", not optim." + method);
  if (!handle->busy.try_lock()) fail(ErrorCode::Busy, "this optimizer state is used by a running pass");
  std::lock_guard<std::mutex> unlock(handle->busy, std::adopt_lock);
  m.configure(config);
  Feval feval = [&](const at::Tensor& point) -> std::pair<double, at::Tensor> {
    // Torch7 hands feval the x it is optimising; trial points are always written into x.
    if (point.data_ptr() != x.data_ptr()) x.copy_(point);
    // the algorithm updates x without autograd; the user's feval needs it back on
    at::AutoGradMode gradMode(true);
    // lib/optim/closure.ts checks what feval returns: [finite loss, gradient shaped like x]
    Napi::Array pair = fn.Call({xHandle}).As<Napi::Array>();
    at::Tensor gradient = tensorValue(env, pair.Get(1u), "the gradient returned by feval").detach();
    if (!at::isfinite(gradient).all().item<bool>())
      fail("feval returned a gradient holding NaN or Inf; x is left as it was before this step");
    return {pair.Get(0u).As<Napi::Number>().DoubleValue(), gradient};
  };
  // A feval that throws (or a bad gradient) may come in the middle of a line search, with x at a
  // trial point: x goes back to where the step started.
  at::Tensor start = x.detach().clone();
  std::vector<double> fs;
  try {
    fs = m.step(feval, x);
  } catch (...) {
    at::NoGradGuard noGrad;
    x.detach().copy_(start);
    throw;
  }
  Napi::Object out = Napi::Object::New(env);
  Napi::Array fsOut = Napi::Array::New(env, fs.size());
  for (size_t k = 0; k < fs.size(); ++k) fsOut.Set(static_cast<uint32_t>(k), Napi::Number::New(env, fs[k]));
  out.Set("fs", fsOut);
  out.Set("evaluations", Napi::Number::New(env, static_cast<double>(m.lastEvaluations)));
  out.Set("stoppedAtStart", Napi::Boolean::New(env, m.lastStoppedAtStart));
  out.Set("state", stateHandle);
  out.Set("scalars", scalarsObject(env, m));
  std::vector<std::pair<std::string, at::Tensor>> tensors = m.tensors();
  Napi::Array names = Napi::Array::New(env, tensors.size());
  for (size_t k = 0; k < tensors.size(); ++k) names.Set(static_cast<uint32_t>(k), tensors[k].first);
  out.Set("tensors", names);
  at::Tensor average = m.evaluationParameters();
  out.Set("average", average.defined() ? wrapTensor(env, average) : env.Null());
  return out;
}

// optimizerState(handle) → { name: number }: Torch7's scalar state.
Napi::Value optimizerState(const Napi::CallbackInfo& info) { return scalarsObject(info.Env(), *handleArg(info, 0).method); }

// optimizerTensors(handle, name?) → { name: tensor }: the state tensors (all, or the one named).
Napi::Value optimizerTensors(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string only = isMissing(info, 1) ? "" : stringArg(info, 1, "state tensor name");
  Napi::Object out = Napi::Object::New(env);
  for (auto& [key, t] : handleArg(info, 0).method->tensors())
    if (only.empty() || key == only) out.Set(key, wrapTensor(env, t));
  return out;
}

// optimizerRestore(handle, scalars, tensors): the inverse of optimizerState + optimizerTensors.
Napi::Value optimizerRestore(const Napi::CallbackInfo& info) {
  OptimizerHandle& handle = handleArg(info, 0);
  if (!info[1].IsObject() || !info[2].IsObject()) fail("expected scalars and tensors objects");
  std::map<std::string, double> scalars;
  std::map<std::string, at::Tensor> tensors;
  Napi::Object s = info[1].As<Napi::Object>(), t = info[2].As<Napi::Object>();
  Napi::Array keys = s.GetPropertyNames();
  for (uint32_t k = 0; k < keys.Length(); ++k) {
    std::string key = keys.Get(k).As<Napi::String>().Utf8Value();
    scalars[key] = s.Get(key).As<Napi::Number>().DoubleValue();
  }
  keys = t.GetPropertyNames();
  for (uint32_t k = 0; k < keys.Length(); ++k) {
    std::string key = keys.Get(k).As<Napi::String>().Utf8Value();
    tensors[key] = tensorValue(info.Env(), t.Get(key), "optimizer state '" + key + "'").clone();
  }
  if (!handle.busy.try_lock()) fail(ErrorCode::Busy, "this optimizer is used by a running pass");
  std::lock_guard<std::mutex> unlock(handle.busy, std::adopt_lock);
  handle.method->restore(scalars, tensors);
  return info.Env().Undefined();
}

}  // namespace

OptimizerHandle* optimizerFromValue(Napi::Env env, Napi::Value value) { return unboxed<OptimizerHandle>(env, value, kOptimizerTag); }

void registerOptimApi(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {
      {"optimizerCreate", optimizerCreate},   {"optimStep", optimStep},
      {"optimizerState", optimizerState},     {"optimizerTensors", optimizerTensors},
      {"optimizerRestore", optimizerRestore},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
