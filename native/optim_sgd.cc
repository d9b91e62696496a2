// optim.sgd with Torch7's semantics: learningRate / (1 + evalCounter·learningRateDecay), weight
// decay added to the gradient in place, momentum whose first buffer is the undamped gradient,
// nesterov. TypeScript fills dampening's Torch7 default (the momentum) and checks nesterov's rules.
#include "optim_method.h"

namespace nodetorch {

namespace {

struct Sgd : OptimMethod {
  double learningRate = 0, learningRateDecay = 0, weightDecay = 0, momentum = 0, dampening = 0;
  bool nesterov = false;
  int64_t evalCounter = 0;
  at::Tensor dfdx;  // momentum buffer, created on the first step with momentum

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
      if (!dfdx.defined()) {
        dfdx = g.clone();  // first step: buffer = gradient, undamped (Torch7)
      } else {
        dfdx.mul_(momentum).add_(g, 1 - dampening);
      }
      direction = nesterov ? g.add(dfdx, momentum) : dfdx;
    }
    double clr = learningRate / (1 + static_cast<double>(evalCounter) * learningRateDecay);
    x.add_(direction, -clr);
    evalCounter += 1;
    lastEvaluations = 1;
    return {fx};
  }

  std::vector<std::pair<std::string, double>> scalars() const override {
    return {{"evalCounter", static_cast<double>(evalCounter)}};
  }
  std::vector<std::pair<std::string, at::Tensor>> tensors() const override {
    if (!dfdx.defined()) return {};
    return {{"dfdx", dfdx}};
  }
  void restore(const std::map<std::string, double>& s, const std::map<std::string, at::Tensor>& t) override {
    evalCounter = static_cast<int64_t>(restoredScalar(s, "evalCounter"));
    dfdx = restoredTensor(t, "dfdx");
  }
};

NODETORCH_REGISTER_OPTIM("sgd", Sgd);

}  // namespace

}  // namespace nodetorch
