// optim.adagrad, as Torch7's adagrad.lua: weight decay added to the gradient in place, then
// x ← x − lr/(1 + k·learningRateDecay) · g / (sqrt(Σ g²) + 1e-10), k = calls so far.
#include "optim_method.h"

namespace nodetorch {

namespace {

struct Adagrad : GradientMethod {
  Adagrad() : GradientMethod("evalCounter", {"paramVariance"}) {}  // Σ g²

  void configure(const Options& o) override { readRates(o, true); }
  void update(at::Tensor& x, at::Tensor& g) override {
    decayWeights(g, x);
    if (!started()) createBuffers(g);
    buffer().addcmul_(g, g);
    x.addcdiv_(g, buffer().sqrt().add_(1e-10), -decayedRate());
    counter += 1;
  }
};

NODETORCH_REGISTER_OPTIM("adagrad", Adagrad);

}  // namespace

}  // namespace nodetorch
