// Finite-difference gradient checks (as torch/nn's test.lua Jacobian tests): a module's backward,
// for its input and every parameter, a criterion's, or a JavaScript function's (through autograd),
// against central differences in float64. One loop (compare) serves all three.
#include "addon_entries.h"

#include "nn_module_api.h"
#include "tensor_handle.h"

namespace nodetorch {

namespace {

struct Check {
  double maxError = 0;     // max |analytic − numerical|
  double maxAnalytic = 0;  // max |analytic|, for scale
};

// Perturbs every element of `target` by ±eps and compares (L(+) − L(−)) / 2eps with `analytic`.
Check compare(at::Tensor target, const at::Tensor& analytic, double eps, const std::function<double()>& objective) {
  at::NoGradGuard noGrad;
  if (!target.is_contiguous()) fail("gradcheck needs contiguous tensors");
  double* values = target.data_ptr<double>();
  at::Tensor expected = analytic.detach().contiguous().view(-1);
  const double* a = expected.data_ptr<double>();
  Check check;
  for (int64_t j = 0; j < target.numel(); ++j) {
    double saved = values[j];
    values[j] = saved + eps;
    double plus = objective();
    values[j] = saved - eps;
    double minus = objective();
    values[j] = saved;
    double numerical = (plus - minus) / (2 * eps);
    check.maxError = std::max(check.maxError, std::abs(numerical - a[j]));
    check.maxAnalytic = std::max(check.maxAnalytic, std::abs(a[j]));
  }
  return check;
}

Napi::Object toJs(Napi::Env env, const Check& c) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("maxError", Napi::Number::New(env, c.maxError));
  o.Set("maxAnalytic", Napi::Number::New(env, c.maxAnalytic));
  return o;
}

void requireDouble(const at::Tensor& t, const std::string& what) {
  if (t.scalar_type() != at::kDouble)
    fail("gradcheck needs float64 " + what + " (got " + dtypeName(t.scalar_type()) + "); call double() first");
}

// gradcheckModule(module, input, gradOutput, eps, seed | null) → { input, params: [...] }
// The objective is Σ forward(x) ⊙ gradOutput, whose gradient is exactly what backward computes.
// With a seed, the generator is reseeded before every forward so stochastic modules (Dropout)
// draw the same mask each time.
Napi::Value gradcheckModule(const Napi::CallbackInfo& info) {
  Module& m = *moduleArg(info, 0);
  at::Tensor x = tensorArg(info, 1, "input").detach().clone().contiguous();
  at::Tensor gradOutput = tensorArg(info, 2, "gradOutput");
  double eps = numberArg(info, 3, "eps");
  bool seeded = !isMissing(info, 4);
  uint64_t seed = seeded ? static_cast<uint64_t>(intArg(info, 4, "seed")) : 0;
  requireDouble(x, "input");
  auto params = m.parameters();
  for (at::Tensor* p : params) requireDouble(*p, "parameters");
  auto reseed = [&]() {
    if (seeded) torch::manual_seed(seed);
  };
  // analytic
  x.set_requires_grad(true);
  for (at::Tensor* p : params)
    if (p->grad().defined()) p->mutable_grad().zero_();
  reseed();
  at::Tensor out = m.forward(x);
  if (!out.sizes().equals(gradOutput.sizes()))
    fail("gradOutput has shape " + shapeString(gradOutput.sizes()) + " but the output has shape " + shapeString(out.sizes()));
  torch::autograd::backward({out}, {gradOutput});
  at::Tensor gx = x.grad().defined() ? x.grad().clone() : at::zeros_like(x);
  std::vector<at::Tensor> gp;
  for (at::Tensor* p : params) gp.push_back(p->grad().defined() ? p->grad().clone() : at::zeros_like(*p));
  x = x.detach();
  auto objective = [&]() {
    at::NoGradGuard noGrad;
    reseed();
    return (m.forward(x) * gradOutput).sum().item<double>();
  };
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("input", toJs(env, compare(x, gx, eps, objective)));
  Napi::Array ps = Napi::Array::New(env, params.size());
  for (size_t k = 0; k < params.size(); ++k) {
    at::Tensor p = params[k]->detach();
    ps.Set(static_cast<uint32_t>(k), toJs(env, compare(p, gp[k], eps, objective)));
  }
  result.Set("params", ps);
  return result;
}

// gradcheckCriterion(criterion, input, target, eps) → { input }
Napi::Value gradcheckCriterion(const Napi::CallbackInfo& info) {
  Criterion& c = *criterionArg(info, 0);
  at::Tensor x = tensorArg(info, 1, "input").detach().clone().contiguous();
  at::Tensor target = tensorArg(info, 2, "target");
  double eps = numberArg(info, 3, "eps");
  requireDouble(x, "input");
  x.set_requires_grad(true);
  at::Tensor analytic = torch::autograd::grad({c.loss(x, target)}, {x})[0];
  x = x.detach();
  auto objective = [&]() { return c.loss(x, target).item<double>(); };
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("input", toJs(info.Env(), compare(x, analytic, eps, objective)));
  return result;
}

// gradcheckCompare(x, analytic, eps, objective) → { maxError, maxAnalytic }: perturbs x in place and
// calls the JavaScript objective() (a number) for each side, for gradients computed by JavaScript.
Napi::Value gradcheckCompare(const Napi::CallbackInfo& info) {
  at::Tensor& x = tensorArg(info, 0, "x");
  at::Tensor& analytic = tensorArg(info, 1, "analytic gradient");
  double eps = numberArg(info, 2, "eps");
  if (info.Length() < 4 || !info[3].IsFunction()) fail("expected an objective function");
  requireDouble(x, "input");
  Napi::Function fn = info[3].As<Napi::Function>();
  auto objective = [&]() { return fn.Call({}).As<Napi::Number>().DoubleValue(); };
  return toJs(info.Env(), compare(x, analytic, eps, objective));
}

}  // namespace

void registerNnGradcheck(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {
      {"gradcheckModule", gradcheckModule},
      {"gradcheckCriterion", gradcheckCriterion},
      {"gradcheckCompare", gradcheckCompare},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
