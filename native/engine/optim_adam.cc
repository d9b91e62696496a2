// optim.adam, as Torch7's adam.lua: weight decay added to the gradient in place; step size
// lr/(1 + t·learningRateDecay)·sqrt(1 − β2^t)/(1 − β1^t) with t counted before the call, and
// x ← x − step·m/(sqrt(v) + ε). Deliberate difference from PyTorch's Adam, kept from Torch7: ε is
// added to sqrt(v) before the bias correction (PyTorch adds it after), so ε weighs sqrt(1 − β2^t)
// times less here; the two agree when ε is negligible beside sqrt(v).
#include "optim_method.h"

namespace nodetorch {

namespace {

struct Adam : MomentMethod {
  Adam() : MomentMethod("t", {"m", "v"}) {}  // the moving averages of g and g²

  void configure(const Options& o) override {
    readRates(o, true);
    readMoments(o);
  }
  void update(at::Tensor& x, at::Tensor& g) override {
    decayWeights(g, x);
    if (!started()) createBuffers(g);
    at::Tensor &m = buffer(0), &v = buffer(1);
    double rate = decayedRate();
    counter += 1;
    m.mul_(beta1).add_(g, 1 - beta1);
    v.mul_(beta2).addcmul_(g, g, 1 - beta2);
    double t = static_cast<double>(counter);
    double stepSize = rate * std::sqrt(1 - std::pow(beta2, t)) / (1 - std::pow(beta1, t));
    x.addcdiv_(m, v.sqrt().add_(epsilon), -stepSize);
  }
};

NODETORCH_REGISTER_OPTIM("adam", Adam);

}  // namespace

}  // namespace nodetorch
