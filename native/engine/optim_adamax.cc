// optim.adamax, as Torch7's adamax.lua (Adam with the infinity norm): weight decay added to the
// gradient in place, m ← β1·m + (1 − β1)·g, u ← max(β2·u, |g| + ε), x ← x − lr/(1 − β1^t)·m/u.
// PyTorch's Adamax has the same update (its ε defaults to 1e-8, Torch7's to 1e-38).
#include "optim_method.h"

namespace nodetorch {

namespace {

struct Adamax : MomentMethod {
  Adamax() : MomentMethod("t", {"m", "u"}) {}  // the moving average of g, the decayed max of |g|

  void configure(const Options& o) override {
    readRates(o, false);
    readMoments(o);
  }
  void update(at::Tensor& x, at::Tensor& g) override {
    decayWeights(g, x);
    if (!started()) createBuffers(g);
    at::Tensor &m = buffer(0), &u = buffer(1);
    counter += 1;
    m.mul_(beta1).add_(g, 1 - beta1);
    at::maximum_out(u, u.mul_(beta2), g.abs().add_(epsilon));
    x.addcdiv_(m, u, -learningRate() / (1 - std::pow(beta1, static_cast<double>(counter))));
  }
};

NODETORCH_REGISTER_OPTIM("adamax", Adamax);

}  // namespace

}  // namespace nodetorch
