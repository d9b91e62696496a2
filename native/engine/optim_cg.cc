// optim.cg: Rasmussen's minimize.m, as Torch7's cg.lua.
#include "optim_method.h"

namespace nodetorch {

namespace {

// Conjugate gradients with Polak-Ribière directions and Rasmussen's interpolating and
// extrapolating line search (Wolfe-Powell conditions), as Torch7's cg.lua runs it, including
// where cg.lua departs from minimize.m:
// - Lua's `if ls_failed` is true for 0 as for 1, so cg.lua stops after the FIRST failed line
//   search (minimize.m after two in a row); so does this.
// - the search budget m = min(maxIter, maxEval - i) is fractional with the default maxEval
//   (1.25·maxIter): m then runs 0.5, -0.5, -1.5, … and cg.lua's `m == 0` test never holds, so a
//   search goes on extrapolating until a Wolfe test ends it (with maxIter 2, the study's setting,
//   the first search succeeds at the 7th evaluation). This follows it.
// Deliberate differences, only where cg.lua never returns or writes NaN into x:
// - a search whose f or slope is no longer finite (an unbounded function, a NaN gradient), or
//   that has overrun its budget by kEndlessSearch evaluations (the interpolation has stalled),
//   ends as a failed search: cg.lua would loop forever there.
// - a gradient that is exactly zero is a stationary point: cg.lua divided 0 by 0; this stops.
constexpr double kEndlessSearch = 1000;

struct Cg : OptimMethod {
  double rho = 0, sig = 0, intv = 0, ext = 0, maxIter = 0, ratio = 0, maxEval = 0;
  void configure(const Options& config) override {
    rho = config.number("rho");
    sig = config.number("sig");
    intv = config.number("int");
    ext = config.number("ext");
    maxIter = config.number("maxIter");
    ratio = config.number("ratio");
    maxEval = config.number("maxEval");
  }
  std::vector<double> step(const Feval& feval, at::Tensor& x) override {
    at::NoGradGuard noGrad;
    const double red = 1;
    double i = 0;
    std::vector<double> fx;
    auto eval = [&]() {
      auto r = feval(x);
      i += 1;
      return std::make_pair(r.first, r.second.clone());
    };
    auto dot = [](const at::Tensor& a, const at::Tensor& b) { return a.dot(b).item<double>(); };
    auto [f1, df1] = eval();
    fx.push_back(f1);
    at::Tensor s = -df1;
    double d1 = -dot(s, s);
    if (d1 == 0) return finish(i, fx);  // already at a stationary point
    double z1 = red / (1 - d1);
    double f2 = 0, f3 = 0, d2 = 0, d3 = 0, z2 = 0, z3 = 0;
    at::Tensor df2;
    while (i < std::abs(maxEval)) {
      at::Tensor x0 = x.clone(), df0 = df1.clone();
      double f0 = f1;
      x.add_(s, z1);
      std::tie(f2, df2) = eval();
      d2 = dot(df2, s);
      f3 = f1, d3 = d1, z3 = -z1;
      double m = std::min(maxIter, maxEval - i);
      bool success = false;
      double limit = -1;
      while (true) {
        while ((f2 > f1 + z1 * rho * d1 || d2 > -sig * d1) && m > 0) {
          limit = z1;
          if (f2 > f1) {
            z2 = z3 - (0.5 * d3 * z3 * z3) / (d3 * z3 + f2 - f3);
          } else {
            double A = 6 * (f2 - f3) / z3 + 3 * (d2 + d3);
            double B = 3 * (f3 - f2) - z3 * (d3 + 2 * d2);
            z2 = (std::sqrt(B * B - A * d2 * z3 * z3) - B) / A;
          }
          if (!std::isfinite(z2)) z2 = z3 / 2;
          z2 = std::max(std::min(z2, intv * z3), (1 - intv) * z3);
          z1 += z2;
          x.add_(s, z2);
          std::tie(f2, df2) = eval();
          m -= 1;
          d2 = dot(df2, s);
          z3 -= z2;
        }
        if (f2 > f1 + z1 * rho * d1 || d2 > -sig * d1) break;
        if (d2 > sig * d1) {
          success = true;
          break;
        }
        if (m == 0) break;
        if (!std::isfinite(f2) || !std::isfinite(d2) || m < -kEndlessSearch) break;
        double A = 6 * (f2 - f3) / z3 + 3 * (d2 + d3);
        double B = 3 * (f3 - f2) - z3 * (d3 + 2 * d2);
        z2 = -d2 * z3 * z3 / (B + std::sqrt(B * B - A * d2 * z3 * z3));
        if (!std::isfinite(z2) || z2 < 0) {
          z2 = limit < -0.5 ? z1 * (ext - 1) : (limit - z1) / 2;
        } else if (limit > -0.5 && z2 + z1 > limit) {
          z2 = (limit - z1) / 2;
        } else if (limit < -0.5 && z2 + z1 > z1 * ext) {
          z2 = z1 * (ext - 1);
        } else if (z2 < -z3 * intv) {
          z2 = -z3 * intv;
        } else if (limit > -0.5 && z2 < (limit - z1) * (1 - intv)) {
          z2 = (limit - z1) * (1 - intv);
        }
        f3 = f2, d3 = d2, z3 = -z2;
        z1 += z2;
        x.add_(s, z2);
        std::tie(f2, df2) = eval();
        m -= 1;
        d2 = dot(df2, s);
      }
      if (success) {
        f1 = f2;
        fx.push_back(f1);
        if (dot(df2, df2) == 0) {  // the search landed on a stationary point
          std::swap(df1, df2);
          break;
        }
        double ss = (dot(df2, df2) - dot(df2, df1)) / dot(df1, df1);
        s.mul_(ss).sub_(df2);
        std::swap(df1, df2);
        d2 = dot(df1, s);
        if (d2 > 0) {
          s = -df1;
          d2 = -dot(s, s);
        }
        z1 *= std::min(ratio, d1 / (d2 - 1e-320));
        d1 = d2;
      } else {
        x.copy_(x0);
        f1 = f0;
        df1 = df0;
        break;  // cg.lua: `if ls_failed or i > maxEval` holds for ls_failed 0 as for 1
      }
    }
    return finish(i, fx);
  }
  std::vector<double> finish(double evaluations, const std::vector<double>& fx) {
    lastEvaluations = static_cast<int64_t>(evaluations);
    return fx;
  }
  // Each call starts afresh (Torch7's cg.lua keeps only scratch buffers in its state).
  void restore(const std::map<std::string, double>&, const std::map<std::string, at::Tensor>&) override {}
};

NODETORCH_REGISTER_OPTIM("cg", Cg);

}  // namespace

}  // namespace nodetorch
