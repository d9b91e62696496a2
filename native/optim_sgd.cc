// optim.sgd with Torch7's semantics: learningRate / (1 + evalCounter·learningRateDecay), weight
// decay added to the gradient in place, momentum whose first buffer is the undamped gradient,
// nesterov. TypeScript fills dampening's Torch7 default (the momentum) and checks nesterov's rules.
#include "optim_method.h"

namespace nodetorch {

namespace {

struct Sgd : FirstOrderMethod {
  Sgd() : FirstOrderMethod("dfdx") {}  // the momentum buffer, created on the first step with momentum
  double momentum = 0, dampening = 0;
  bool nesterov = false;

  void configure(Napi::Object config) override {
    FirstOrderMethod::configure(config);
    momentum = configNumber(config, "momentum");
    dampening = configNumber(config, "dampening");
    nesterov = configFlag(config, "nesterov");
  }

  std::vector<double> step(const Feval& feval, at::Tensor& x) override {
    auto [fx, g] = feval(x);
    at::NoGradGuard noGrad;
    decayWeights(g, x);
    at::Tensor direction = g;
    if (momentum != 0) {
      if (!buffer.defined()) {
        buffer = g.clone();  // first step: buffer = gradient, undamped (Torch7)
      } else {
        buffer.mul_(momentum).add_(g, 1 - dampening);
      }
      direction = nesterov ? g.add(buffer, momentum) : buffer;
    }
    x.add_(direction, -currentRate());
    evalCounter += 1;
    lastEvaluations = 1;
    return {fx};
  }
};

NODETORCH_REGISTER_OPTIM("sgd", Sgd);

}  // namespace

}  // namespace nodetorch
