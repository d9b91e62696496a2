// Torch7's optimizers as one C++ interface, shared by the closure form (optim.X(feval, x, config,
// state) from JavaScript, where feval calls back into JS) and the native training loop (where
// feval runs forward/backward on a minibatch without leaving C++).
#pragma once
#include "common.h"

#include <functional>
#include <map>
#include <memory>

namespace nodetorch {

// f(x) and df/dx at x. The gradient may alias a buffer that the next call overwrites.
using Feval = std::function<std::pair<double, at::Tensor>(const at::Tensor& x)>;

struct OptimMethod {
  virtual ~OptimMethod() = default;
  virtual std::string name() const = 0;
  // Reads Torch7's config table (every call, as Torch7 does: schedules can change it).
  virtual void configure(Napi::Object config) = 0;
  // One Torch7 call: updates x in place and returns the f values Torch7 returns (fx / f_hist).
  virtual std::vector<double> step(const Feval& feval, at::Tensor& x) = 0;
  // Evaluations made by the last step (Torch7's third return value for lbfgs/cg).
  int64_t lastEvaluations = 0;
  // The parameters to evaluate with (ASGD's average ax), or an undefined tensor.
  virtual at::Tensor evaluationParameters() { return {}; }
  // Scalar state, for JavaScript (evalCounter, nIter, t, …).
  virtual std::vector<std::pair<std::string, double>> scalars() const { return {}; }
  // The whole state, for checkpoints: scalars plus named tensors (lists as name.0, name.1, …).
  virtual std::vector<std::pair<std::string, at::Tensor>> tensors() const { return {}; }
  virtual void restore(const std::map<std::string, double>& scalars, const std::map<std::string, at::Tensor>& tensors) {
    (void)scalars;
    (void)tensors;
  }
};

// Reads a restored value, or fails naming it.
double restoredScalar(const std::map<std::string, double>& scalars, const std::string& key);

std::unique_ptr<OptimMethod> createOptimMethod(const std::string& name);

// Reads an optional number from a config object, keeping `out` when absent.
void configNumber(Napi::Object config, const char* key, double& out);
// A feval that checks what it returns: finite loss, gradient shaped like x.
Feval checkedFeval(Feval inner, const at::Tensor& x);

}  // namespace nodetorch
