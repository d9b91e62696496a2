// optim.adamw, as PyTorch's torch.optim.AdamW (Loshchilov & Hutter; Torch7 had none): the weight
// decay is decoupled from the gradient, x ← x·(1 − lr·weightDecay), then Adam's step in PyTorch's
// form, x ← x − lr/(1 − β1^t)·m/(sqrt(v)/sqrt(1 − β2^t) + ε). PyTorch's defaults: lr 1e-3,
// betas (0.9, 0.999), eps 1e-8, weight_decay 1e-2.
#include "optim_method.h"

namespace nodetorch {

namespace {

struct AdamW : MomentMethod {
  AdamW() : MomentMethod("t", {"m", "v"}) {}

  // weightDecay is decoupled here: x shrinks by lr·weightDecay, the gradient is left alone
  void configure(const Options& o) override {
    readRates(o, false);
    readMoments(o);
  }
  void update(at::Tensor& x, at::Tensor& g) override {
    if (!started()) createBuffers(g);
    at::Tensor &m = buffer(0), &v = buffer(1);
    double rate = learningRate();
    counter += 1;
    double t = static_cast<double>(counter);
    x.mul_(1 - rate * weightDecay);
    m.mul_(beta1).add_(g, 1 - beta1);
    v.mul_(beta2).addcmul_(g, g, 1 - beta2);
    double correction2 = std::sqrt(1 - std::pow(beta2, t));
    x.addcdiv_(m, v.sqrt().div_(correction2).add_(epsilon), -rate / (1 - std::pow(beta1, t)));
  }
};

NODETORCH_REGISTER_OPTIM("adamw", AdamW);

}  // namespace

}  // namespace nodetorch
