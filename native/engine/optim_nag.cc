// optim.nag, as Torch7's nag.lua (Sutskever et al. 2013): x first moves along the momentum
// buffer, x ← x + μ·v, then the gradient there gives v ← μ·v − lr_t·g and x ← x − lr_t·g, with
// weight decay added to the gradient in place and lr_t = lr/(1 + evalCounter·learningRateDecay).
// Unlike PyTorch's SGD(nesterov=True), whose parameters are the look-behind point, x here is the
// look-ahead point Torch7 kept; the two trajectories differ.
#include "optim_method.h"

namespace nodetorch {

namespace {

struct Nag : GradientMethod {
  Nag() : GradientMethod("evalCounter", {"dfdx"}) {}  // the momentum buffer (Torch7's name)

  double momentum = 0;
  void configure(const Options& o) override {
    readRates(o, true);
    momentum = o.number("momentum");
  }
  void lookAhead(at::Tensor& x) override {
    if (!started()) return;
    at::NoGradGuard noGrad;
    x.add_(buffer(), momentum);
  }

  void update(at::Tensor& x, at::Tensor& g) override {
    decayWeights(g, x);
    double rate = decayedRate();
    if (!started())
      createBuffers(g);
    else
      buffer().mul_(momentum);
    x.add_(g, -rate);
    buffer().add_(g, -rate);
    counter += 1;
  }
};

NODETORCH_REGISTER_OPTIM("nag", Nag);

}  // namespace

}  // namespace nodetorch
