// The Torch7 closure form of lbfgs, asgd and cg: optim.X(feval, x, config, state). The algorithm
// runs in C++ (the same code as in the native training loop) and calls the JavaScript feval
// synchronously whenever it needs f(x) and df/dx.
#include "optim_closure.h"

#include "boxed.h"
#include "optim_method.h"
#include "tensor_handle.h"

namespace nodetorch {

namespace {

const napi_type_tag kMethodTag = {0x6e746f70746d7468ULL, 0x5f60718293041526ULL};

// optimStep(method, x, config, stateHandle | null, feval) →
//   { fs, evaluations, state, scalars, average | null }
Napi::Value optimStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string method = stringArg(info, 0, "method");
  at::Tensor& x = tensorArg(info, 1, "x");
  Napi::Value xHandle = info[1];
  if (!info[2].IsObject()) fail("expected a config object");
  if (info.Length() < 5 || !info[4].IsFunction()) fail("expected feval to be a function");
  Napi::Function fn = info[4].As<Napi::Function>();
  Napi::Value stateHandle = info[3];
  OptimMethod* m = isMissing(info, 3) ? nullptr : unboxed<OptimMethod>(env, stateHandle, kMethodTag);
  if (!isMissing(info, 3) && m == nullptr) fail("the state object holds no native optimizer state");
  if (m == nullptr) {
    m = createOptimMethod(method).release();
    stateHandle = wrapBoxed(env, m, kMethodTag);
  }
  if (m->name() != method) fail("this state belongs to optim." + m->name() + ", not optim." + method);
  if (x.scalar_type() != at::kDouble && x.scalar_type() != at::kFloat) fail("x must be a float32 or float64 tensor");
  m->configure(info[2].As<Napi::Object>());
  Feval feval = [&](const at::Tensor& point) -> std::pair<double, at::Tensor> {
    // Torch7 hands feval the x it is optimising; trial points are always written into x.
    if (point.data_ptr() != x.data_ptr()) x.copy_(point);
    // the algorithm updates x without autograd; the user's feval needs it back on
    at::AutoGradMode gradMode(true);
    Napi::Value r = fn.Call({xHandle});
    if (!r.IsArray() || r.As<Napi::Array>().Length() != 2) fail("feval must return [loss, gradient]");
    Napi::Array pair = r.As<Napi::Array>();
    Napi::Value f = pair.Get(0u);
    if (!f.IsNumber()) fail("feval must return a number as its loss");
    return {f.As<Napi::Number>().DoubleValue(), tensorValue(env, pair.Get(1u), "the gradient returned by feval").detach()};
  };
  std::vector<double> fs = m->step(checkedFeval(feval, x), x);
  Napi::Object out = Napi::Object::New(env);
  Napi::Array fsOut = Napi::Array::New(env, fs.size());
  for (size_t k = 0; k < fs.size(); ++k) fsOut.Set(static_cast<uint32_t>(k), Napi::Number::New(env, fs[k]));
  out.Set("fs", fsOut);
  out.Set("evaluations", Napi::Number::New(env, static_cast<double>(m->lastEvaluations)));
  out.Set("state", stateHandle);
  Napi::Object scalars = Napi::Object::New(env);
  for (auto& [key, value] : m->scalars()) scalars.Set(key, Napi::Number::New(env, value));
  out.Set("scalars", scalars);
  at::Tensor average = m->evaluationParameters();
  out.Set("average", average.defined() ? wrapTensor(env, average) : env.Null());
  return out;
}

}  // namespace

void registerOptimClosure(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {{"optimStep", optimStep}};
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
