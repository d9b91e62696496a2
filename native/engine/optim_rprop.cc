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

  double stepsize = 0, etaplus = 0, etaminus = 0, stepsizemax = 0, stepsizemin = 0;
  int64_t niter = 0;
  void configure(const Options& o) override {
    stepsize = o.number("stepsize");
    etaplus = o.number("etaplus");
    etaminus = o.number("etaminus");
    stepsizemax = o.number("stepsizemax");
    stepsizemin = o.number("stepsizemin");
    niter = o.integer("niter");
  }
  std::vector<double> step(const Feval& feval, at::Tensor& x) override {
    std::vector<double> fs;
    for (int64_t i = 0; i < niter; i++) fs.push_back(GradientMethod::step(feval, x)[0]);
    lastEvaluations = niter;
    return fs;
  }

  void update(at::Tensor& x, at::Tensor& g) override {
    if (!started()) {
      createBuffers(g);
      buffer(1).fill_(stepsize);
    }
    at::Tensor &previous = buffer(0), &steps = buffer(1);
    at::Tensor sign = g.mul(previous).sign_();
    at::Tensor reversed = sign.lt(0);
    at::Tensor factor =
        at::where(sign.gt(0), at::full_like(sign, etaplus), at::where(reversed, at::full_like(sign, etaminus), at::ones_like(sign)));
    steps.mul_(factor).clamp_(stepsizemin, stepsizemax);
    g.masked_fill_(reversed, 0);
    x.addcmul_(g.sign(), steps, -1);
    previous.copy_(g);
  }
};

NODETORCH_REGISTER_OPTIM("rprop", Rprop);

}  // namespace

}  // namespace nodetorch
