// optim.adagrad, as Torch7's adagrad.lua: weight decay added to the gradient in place, then
// x ← x − lr/(1 + k·learningRateDecay) · g / (sqrt(Σ g²) + 1e-10), k = calls so far.
#include "optim_method.h"

namespace nodetorch {

namespace {

struct Adagrad : FirstOrderMethod {
  Adagrad() : FirstOrderMethod("paramVariance") {}  // Σ g²

  std::vector<double> step(const Feval& feval, at::Tensor& x) override {
    auto [fx, g] = feval(x);
    at::NoGradGuard noGrad;
    decayWeights(g, x);
    if (!buffer.defined()) buffer = at::zeros_like(g);
    buffer.addcmul_(g, g);
    x.addcdiv_(g, buffer.sqrt().add_(1e-10), -currentRate());
    evalCounter += 1;
    lastEvaluations = 1;
    return {fx};
  }
};

NODETORCH_REGISTER_OPTIM("adagrad", Adagrad);

}  // namespace

}  // namespace nodetorch
