// optim.sgd with Torch7's semantics: learningRate / (1 + evalCounter·learningRateDecay), weight
// decay added to the gradient in place, momentum whose first buffer is the undamped gradient,
// nesterov. TypeScript fills dampening's Torch7 default (the momentum) and checks nesterov's rules.
#include "optim_method.h"

namespace nodetorch {

namespace {

struct Sgd : GradientMethod {
  Sgd() : GradientMethod("evalCounter", {"dfdx"}) {}  // the momentum buffer, created on the first step with momentum
  bool nesterov = false;

  double momentum = 0, dampening = 0;
  void configure(const Options& o) override {
    readRates(o, true);
    momentum = o.number("momentum");
    dampening = o.number("dampening");
    nesterov = o.flag("nesterov");
  }

  void update(at::Tensor& x, at::Tensor& g) override {
    decayWeights(g, x);
    at::Tensor direction = g;
    if (momentum != 0) {
      if (!started()) {
        buffers = {g.clone()};  // first step: buffer = gradient, undamped (Torch7)
      } else {
        buffer().mul_(momentum).add_(g, 1 - dampening);
      }
      direction = nesterov ? g.add(buffer(), momentum) : buffer();
    }
    x.add_(direction, -decayedRate());
    counter += 1;
  }
};

NODETORCH_REGISTER_OPTIM("sgd", Sgd);

}  // namespace

}  // namespace nodetorch
