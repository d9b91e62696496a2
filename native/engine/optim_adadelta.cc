// optim.adadelta, as Torch7's adadelta.lua (Zeiler 2012; no learning rate): weight decay added to
// the gradient in place, v ← ρ·v + (1 − ρ)·g², Δ = sqrt(a + ε)/sqrt(v + ε)·g, x ← x − Δ,
// a ← ρ·a + (1 − ρ)·Δ². PyTorch's Adadelta with lr = 1 is the same update.
#include "optim_method.h"

namespace nodetorch {

namespace {

struct Adadelta : GradientMethod {
  // Torch7's names: the running averages of g² and of the squared updates
  Adadelta() : GradientMethod("evalCounter", {"paramVariance", "accDelta"}) {}

  double rho = 0, eps = 0;
  void configure(const Options& o) override {
    rho = o.number("rho");
    eps = o.number("eps");
    weightDecay = o.number("weightDecay");
  }
  void update(at::Tensor& x, at::Tensor& g) override {
    decayWeights(g, x);
    if (!started()) createBuffers(g);
    at::Tensor &variance = buffer(0), &accDelta = buffer(1);
    variance.mul_(rho).addcmul_(g, g, 1 - rho);
    at::Tensor delta = accDelta.add(eps).sqrt_().div_(variance.add(eps).sqrt_()).mul_(g);
    x.sub_(delta);
    accDelta.mul_(rho).addcmul_(delta, delta, 1 - rho);
    counter += 1;
  }
};

NODETORCH_REGISTER_OPTIM("adadelta", Adadelta);

}  // namespace

}  // namespace nodetorch
