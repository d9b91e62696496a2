// optim.rmsprop, as Torch7's rmsprop.lua: weight decay added to the gradient in place,
// m ← α·m + (1 − α)·g² (m starts at initialMean), x ← x − lr·g/(sqrt(m) + ε). PyTorch's RMSprop
// (no momentum, not centred) is the same update with m starting at 0.
#include "optim_method.h"

namespace nodetorch {

namespace {

struct Rmsprop : GradientMethod {
  Rmsprop() : GradientMethod(nullptr, {"m"}) {}  // Torch7 keeps no counter

  double alpha = 0, epsilon = 0, initialMean = 0;
  void configure(const Options& o) override {
    readRates(o, false);
    alpha = o.number("alpha");
    epsilon = o.number("epsilon");
    initialMean = o.number("initialMean");
  }
  void update(at::Tensor& x, at::Tensor& g) override {
    decayWeights(g, x);
    if (!started()) createBuffers(g, initialMean);
    at::Tensor& m = buffer();
    m.mul_(alpha).addcmul_(g, g, 1 - alpha);
    x.addcdiv_(g, m.sqrt().add_(epsilon), -learningRate());
  }
};

NODETORCH_REGISTER_OPTIM("rmsprop", Rmsprop);

}  // namespace

}  // namespace nodetorch
