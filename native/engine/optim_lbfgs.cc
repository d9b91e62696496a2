// optim.lbfgs exactly as Torch7 (Farabet, after minFunc): 1-norm stopping tests, fractional
// maxEval = 1.25·maxIter, first step min(1, 1/Σ|g|)·lr, state across calls (stochastic L-BFGS
// when calls see different minibatches), no re-evaluation after the last iteration. The optional
// line search is a strong-Wolfe search (cubic interpolation, as PyTorch's / minFunc's).
#include <deque>

#include "optim_method.h"

namespace nodetorch {

namespace {

double cubicInterpolate(double x1, double f1, double g1, double x2, double f2, double g2, double lo, double hi) {
  double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  double d2sq = d1 * d1 - g1 * g2;
  if (d2sq >= 0) {
    double d2 = std::sqrt(d2sq);
    double minPos =
        x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return std::min(std::max(minPos, lo), hi);
  }
  return (lo + hi) / 2;
}

struct LineSearchResult {
  double f;
  at::Tensor g;
  double t;
  int64_t evals;
};

// Strong-Wolfe line search along d from x: c1 = 1e-4, c2 = 0.9. Trial points are written into x
// itself (feval usually evaluates the model's own parameters); x is restored before returning.
LineSearchResult strongWolfe(const Feval& feval, at::Tensor& x, double t, const at::Tensor& d, double f, const at::Tensor& g0, double gtd,
                             double tolChange, int64_t maxLs) {
  const double c1 = 1e-4, c2 = 0.9;
  double dNorm = d.abs().max().item<double>();
  at::Tensor x0 = x.clone();
  auto evalAt = [&](double step) {
    x.copy_(x0).add_(d, step);
    auto r = feval(x);
    return std::make_pair(r.first, r.second.clone());
  };
  auto [fNew, gNew] = evalAt(t);
  int64_t evals = 1;
  double gtdNew = gNew.dot(d).item<double>();
  double tPrev = 0, fPrev = f, gtdPrev = gtd;
  at::Tensor gPrev = g0.clone();
  bool done = false;
  int64_t iter = 0;
  std::vector<double> bracket, bracketF, bracketGtd;
  std::vector<at::Tensor> bracketG;
  while (iter < maxLs) {
    if (fNew > f + c1 * t * gtd || (iter > 1 && fNew >= fPrev)) {
      bracket = {tPrev, t}, bracketF = {fPrev, fNew}, bracketG = {gPrev, gNew}, bracketGtd = {gtdPrev, gtdNew};
      break;
    }
    if (std::abs(gtdNew) <= -c2 * gtd) {
      bracket = {t}, bracketF = {fNew}, bracketG = {gNew}, bracketGtd = {gtdNew};
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      bracket = {tPrev, t}, bracketF = {fPrev, fNew}, bracketG = {gPrev, gNew}, bracketGtd = {gtdPrev, gtdNew};
      break;
    }
    double minStep = t + 0.01 * (t - tPrev), maxStep = t * 10, tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, minStep, maxStep);
    tPrev = tmp, fPrev = fNew, gPrev = gNew, gtdPrev = gtdNew;
    std::tie(fNew, gNew) = evalAt(t);
    ++evals, ++iter;
    gtdNew = gNew.dot(d).item<double>();
  }
  if (iter == maxLs) bracket = {0, t}, bracketF = {f, fNew}, bracketG = {g0.clone(), gNew}, bracketGtd = {gtd, gtdNew};
  bool insufficient = false;
  size_t low = bracketF.front() <= bracketF.back() ? 0 : 1, high = 1 - low;
  if (bracket.size() == 1) low = 0;
  while (!done && iter < maxLs) {
    if (std::abs(bracket[1] - bracket[0]) * dNorm < tolChange) break;
    t = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1], std::min(bracket[0], bracket[1]),
                         std::max(bracket[0], bracket[1]));
    double bMax = std::max(bracket[0], bracket[1]), bMin = std::min(bracket[0], bracket[1]);
    double eps = 0.1 * (bMax - bMin);
    if (std::min(bMax - t, t - bMin) < eps) {
      if (insufficient || t >= bMax || t <= bMin) {
        t = std::abs(t - bMax) < std::abs(t - bMin) ? bMax - eps : bMin + eps;
        insufficient = false;
      } else {
        insufficient = true;
      }
    } else {
      insufficient = false;
    }
    std::tie(fNew, gNew) = evalAt(t);
    ++evals, ++iter;
    gtdNew = gNew.dot(d).item<double>();
    if (fNew > f + c1 * t * gtd || fNew >= bracketF[low]) {
      bracket[high] = t, bracketF[high] = fNew, bracketG[high] = gNew, bracketGtd[high] = gtdNew;
      low = bracketF[0] <= bracketF[1] ? 0 : 1, high = 1 - low;
    } else {
      if (std::abs(gtdNew) <= -c2 * gtd) {
        done = true;
      } else if (gtdNew * (bracket[high] - bracket[low]) >= 0) {
        bracket[high] = bracket[low], bracketF[high] = bracketF[low], bracketG[high] = bracketG[low], bracketGtd[high] = bracketGtd[low];
      }
      bracket[low] = t, bracketF[low] = fNew, bracketG[low] = gNew, bracketGtd[low] = gtdNew;
    }
  }
  x.copy_(x0);
  return {bracketF[low], bracketG[low], bracket[low], evals};
}

struct Lbfgs : OptimMethod {
  // config
  double maxIter = 0, maxEval = 0, tolFun = 0, tolX = 0, nCorrection = 0, learningRate = 0;
  bool lineSearch = false;
  // state (Torch7's state table)
  int64_t nIter = 0, funcEval = 0;
  at::Tensor d, gOld;
  double t = 0, fOld = 0, hDiag = 1;
  std::deque<at::Tensor> dirs, steps;  // s and y pairs

  void configure(const Options& config) override {
    maxIter = config.number("maxIter");
    maxEval = config.number("maxEval");
    tolFun = config.number("tolFun");
    tolX = config.number("tolX");
    nCorrection = config.number("nCorrection");
    learningRate = config.number("learningRate");
    lineSearch = config.flag("lineSearch");
  }

  std::vector<double> step(const Feval& feval, at::Tensor& x) override {
    at::NoGradGuard noGrad;
    auto [f, gRaw] = feval(x);
    at::Tensor g = gRaw.clone();
    std::vector<double> history{f};
    int64_t evals = 1;
    funcEval += 1;
    lastStoppedAtStart = g.abs().sum().item<double>() <= tolFun;
    if (lastStoppedAtStart) {
      lastEvaluations = evals;
      return history;
    }
    int64_t iter = 0;
    while (iter < maxIter) {
      ++iter;
      ++nIter;
      if (nIter == 1) {
        d = -g;
        dirs.clear();
        steps.clear();
        hDiag = 1;
      } else {
        at::Tensor y = g - gOld;
        at::Tensor s = d * t;
        double ys = y.dot(s).item<double>();
        if (ys > 1e-10) {
          if (static_cast<double>(dirs.size()) >= nCorrection) {
            dirs.pop_front();
            steps.pop_front();
          }
          dirs.push_back(s);
          steps.push_back(y);
          hDiag = ys / y.dot(y).item<double>();
        }
        size_t k = dirs.size();
        std::vector<double> ro(k), al(k);
        for (size_t i = 0; i < k; ++i) ro[i] = 1 / steps[i].dot(dirs[i]).item<double>();
        at::Tensor q = -g;
        for (size_t i = k; i-- > 0;) {
          al[i] = dirs[i].dot(q).item<double>() * ro[i];
          q.add_(steps[i], -al[i]);
        }
        d = q * hDiag;
        for (size_t i = 0; i < k; ++i) {
          double be = steps[i].dot(d).item<double>() * ro[i];
          d.add_(dirs[i], al[i] - be);
        }
      }
      gOld = g.clone();
      fOld = f;
      double gtd = g.dot(d).item<double>();
      if (gtd > -tolX) break;
      t = nIter == 1 ? std::min(1.0, 1 / g.abs().sum().item<double>()) * learningRate * rateScale : learningRate * rateScale;
      int64_t lsEvals = 0;
      if (lineSearch) {
        // the search's own tolerance and iteration cap, as PyTorch's _strong_wolfe
        LineSearchResult r = strongWolfe(feval, x, t, d, f, g, gtd, 1e-9, 25);
        t = r.t;
        x.add_(d, t);
        f = r.f;
        g = r.g;
        lsEvals = r.evals;
        history.push_back(f);
      } else {
        x.add_(d, t);
        if (iter != static_cast<int64_t>(maxIter)) {
          // no re-evaluation after the last iteration (stochastic setting), as Torch7
          auto r = feval(x);
          f = r.first;
          g = r.second.clone();
          lsEvals = 1;
          history.push_back(f);
        }
      }
      evals += lsEvals;
      funcEval += lsEvals;
      if (iter == static_cast<int64_t>(maxIter)) break;
      if (static_cast<double>(evals) >= maxEval) break;
      if (g.abs().sum().item<double>() <= tolFun) break;
      if ((d * t).abs().sum().item<double>() <= tolX) break;
      if (std::abs(f - fOld) < tolX) break;
    }
    lastEvaluations = evals;
    return history;
  }

  std::vector<std::pair<std::string, double>> scalars() const override {
    return {
        {"nIter", static_cast<double>(nIter)}, {"funcEval", static_cast<double>(funcEval)}, {"t", t}, {"Hdiag", hDiag}, {"f_old", fOld}};
  }
  std::vector<std::pair<std::string, at::Tensor>> tensors() const override {
    std::vector<std::pair<std::string, at::Tensor>> out;
    if (d.defined()) out.emplace_back("d", d);
    if (gOld.defined()) out.emplace_back("g_old", gOld);
    for (size_t i = 0; i < dirs.size(); ++i) {
      out.emplace_back("old_dirs." + std::to_string(i), dirs[i]);
      out.emplace_back("old_stps." + std::to_string(i), steps[i]);
    }
    return out;
  }
  void restore(const std::map<std::string, double>& s, const std::map<std::string, at::Tensor>& t) override {
    nIter = static_cast<int64_t>(restoredScalar(s, "nIter"));
    funcEval = static_cast<int64_t>(restoredScalar(s, "funcEval"));
    this->t = restoredScalar(s, "t");
    hDiag = restoredScalar(s, "Hdiag");
    fOld = restoredScalar(s, "f_old");
    auto get = [&](const std::string& k) { return restoredTensor(t, k); };
    d = get("d");
    gOld = get("g_old");
    dirs.clear();
    steps.clear();
    for (size_t i = 0; t.count("old_dirs." + std::to_string(i)); ++i) {
      dirs.push_back(get("old_dirs." + std::to_string(i)));
      steps.push_back(get("old_stps." + std::to_string(i)));
    }
  }
};

NODETORCH_REGISTER_OPTIM("lbfgs", Lbfgs);

}  // namespace

}  // namespace nodetorch
