// optim.sgd with Torch7's semantics: learningRate / (1 + evalCounter·learningRateDecay), weight
// decay added to the gradient in place, momentum whose first buffer is the undamped gradient,
// nesterov. TypeScript fills dampening's Torch7 default (the momentum) and checks nesterov's rules.
#include "optim_method.h"

namespace nodetorch {

namespace {

struct Sgd : CountedMethod {
  Sgd() : CountedMethod("dfdx") {}  // the momentum buffer, created on the first step with momentum
  double learningRate = 0, learningRateDecay = 0, weightDecay = 0, momentum = 0, dampening = 0;
  bool nesterov = false;

  void configure(Napi::Object config) override {
    learningRate = configNumber(config, "learningRate");
    learningRateDecay = configNumber(config, "learningRateDecay");
    weightDecay = configNumber(config, "weightDecay");
    momentum = configNumber(config, "momentum");
    dampening = configNumber(config, "dampening");
    nesterov = configFlag(config, "nesterov");
  }

  std::vector<double> step(const Feval& feval, at::Tensor& x) override {
    auto [fx, g] = feval(x);
    at::NoGradGuard noGrad;
    if (weightDecay != 0) g.add_(x, weightDecay);
    at::Tensor direction = g;
    if (momentum != 0) {
      if (!buffer.defined()) {
        buffer = g.clone();  // first step: buffer = gradient, undamped (Torch7)
      } else {
        buffer.mul_(momentum).add_(g, 1 - dampening);
      }
      direction = nesterov ? g.add(buffer, momentum) : buffer;
    }
    x.add_(direction, -decayedRate(learningRate, learningRateDecay));
    evalCounter += 1;
    lastEvaluations = 1;
    return {fx};
  }
};

NODETORCH_REGISTER_OPTIM("sgd", Sgd);

}  // namespace

}  // namespace nodetorch
