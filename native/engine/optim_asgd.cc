// optim.asgd: Bottou's averaged SGD, as Torch7's asgd.lua.
#include "optim_method.h"

namespace nodetorch {

namespace {

// x ← (1 − λη_t)x − η_t g; ax averages x once t > t0; η_t = η0 / (1 + λη0 t)^α, μ_t = 1 / max(1, t − t0).
struct Asgd : OptimMethod {
  double eta0 = 0, lambda = 0, alpha = 0, t0 = 0;
  double etaT = -1, muT = 1, t = 0;
  at::Tensor ax;

  void configure(const Options& config) override {
    eta0 = config.number("eta0");
    lambda = config.number("lambda");
    alpha = config.number("alpha");
    t0 = config.number("t0");
    if (etaT < 0) etaT = eta0;  // state: the first step uses eta0
  }
  std::vector<double> step(const Feval& feval, at::Tensor& x) override {
    at::NoGradGuard noGrad;
    auto [fx, g] = feval(x);
    x.mul_(1 - lambda * etaT).add_(g, -etaT);
    if (muT != 1)
      ax.add_(x - ax, muT);
    else
      ax = x.clone();
    t += 1;
    etaT = eta0 / std::pow(1 + lambda * eta0 * t, alpha);
    muT = 1 / std::max(1.0, t - t0);
    lastEvaluations = 1;
    return {fx};
  }
  at::Tensor evaluationParameters() override { return ax; }
  std::vector<std::pair<std::string, double>> scalars() const override { return {{"t", t}, {"eta_t", etaT}, {"mu_t", muT}}; }
  std::vector<std::pair<std::string, at::Tensor>> tensors() const override {
    if (!ax.defined()) return {};
    return {{"ax", ax}};
  }
  void restore(const std::map<std::string, double>& s, const std::map<std::string, at::Tensor>& tensors) override {
    t = restoredScalar(s, "t");
    etaT = restoredScalar(s, "eta_t");
    muT = restoredScalar(s, "mu_t");
    ax = restoredTensor(tensors, "ax");
  }
};

NODETORCH_REGISTER_OPTIM("asgd", Asgd);

}  // namespace

}  // namespace nodetorch
