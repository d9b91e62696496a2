// optim.adagrad, as Torch7's adagrad.lua: weight decay added to the gradient in place, then
// x ← x − lr/(1 + k·learningRateDecay) · g / (sqrt(Σ g²) + 1e-10), k = calls so far.
#include "optim_method.h"

namespace nodetorch {

namespace {

struct Adagrad : CountedMethod {
  Adagrad() : CountedMethod("paramVariance") {}  // Σ g²
  double learningRate = 0, learningRateDecay = 0, weightDecay = 0;

  void configure(Napi::Object config) override {
    learningRate = configNumber(config, "learningRate");
    learningRateDecay = configNumber(config, "learningRateDecay");
    weightDecay = configNumber(config, "weightDecay");
  }

  std::vector<double> step(const Feval& feval, at::Tensor& x) override {
    auto [fx, g] = feval(x);
    at::NoGradGuard noGrad;
    if (weightDecay != 0) g.add_(x, weightDecay);
    if (!buffer.defined()) buffer = at::zeros_like(g);
    buffer.addcmul_(g, g);
    x.addcdiv_(g, buffer.sqrt().add_(1e-10), -decayedRate(learningRate, learningRateDecay));
    evalCounter += 1;
    lastEvaluations = 1;
    return {fx};
  }
};

NODETORCH_REGISTER_OPTIM("adagrad", Adagrad);

}  // namespace

}  // namespace nodetorch
