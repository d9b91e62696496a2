// optim.rprop, as Torch7's rprop.lua (Riedmiller's RPROP without weight backtracking), niter
// evaluations per call: where g·g_prev > 0 the step grows by etaplus, where < 0 it shrinks by
// etaminus and that component of g is zeroed (in place, as Torch7), then steps are clamped to
// [stepsizemin, stepsizemax] and x ← x − sign(g)·step. PyTorch's Rprop is the same update (its lr is
// Torch7's initial stepsize: 0.01 there, 0.1 here).
#include "optim_method.h"

namespace nodetorch {

namespace {

struct Rprop : GradientMethod {
  // the previous g and the steps (Torch7 named them stepsize, like the option: with state = config, the two collided)
  Rprop() : GradientMethod(nullptr, {"delta", "stepsizes"}) {}

  std::vector<double> step(const Feval& feval, at::Tensor& x) override {
    std::vector<double> fs;
    auto niter = static_cast<int64_t>(option("niter"));
    for (int64_t i = 0; i < niter; i++) fs.push_back(GradientMethod::step(feval, x)[0]);
    lastEvaluations = niter;
    return fs;
  }

  void update(at::Tensor& x, at::Tensor& g) override {
    if (!started()) {
      createBuffers(g);
      buffer(1).fill_(option("stepsize"));
    }
    at::Tensor &previous = buffer(0), &steps = buffer(1);
    at::Tensor sign = g.mul(previous).sign_();
    at::Tensor reversed = sign.lt(0);
    at::Tensor factor = at::where(sign.gt(0), at::full_like(sign, option("etaplus")),
                                  at::where(reversed, at::full_like(sign, option("etaminus")), at::ones_like(sign)));
    steps.mul_(factor).clamp_(option("stepsizemin"), option("stepsizemax"));
    g.masked_fill_(reversed, 0);
    x.addcmul_(g.sign(), steps, -1);
    previous.copy_(g);
  }
};

NODETORCH_REGISTER_OPTIM("rprop", Rprop);

}  // namespace

}  // namespace nodetorch
