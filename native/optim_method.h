// Torch7's optimizers as one C++ interface, shared by the closure form (optim.X(feval, x, config,
// state) from JavaScript, where feval calls back into JS) and the native training loop (where
// feval runs forward/backward on a minibatch without leaving C++). Each method is one class that
// registers itself under its Torch7 name (NODETORCH_REGISTER_OPTIM, beside the class).
#pragma once
#include "common.h"

#include <functional>
#include <map>
#include <memory>

namespace nodetorch {

// f(x) and df/dx at x. The gradient may alias a buffer that the next call overwrites.
using Feval = std::function<std::pair<double, at::Tensor>(const at::Tensor& x)>;

// Config readers: the key must be there (TypeScript fills every default).
double configNumber(Napi::Object config, const char* key);
bool configFlag(Napi::Object config, const char* key);
// Reads a restored value, or fails naming it.
double restoredScalar(const std::map<std::string, double>& scalars, const std::string& key);
at::Tensor restoredTensor(const std::map<std::string, at::Tensor>& tensors, const std::string& key);

struct OptimMethod {
  virtual ~OptimMethod() = default;
  // Reads Torch7's config table on every call, as Torch7 does (schedules can change it). TypeScript
  // has validated it and filled every default (lib/optim/configs.ts), so every key is present.
  virtual void configure(Napi::Object config) = 0;
  // One Torch7 call: updates x in place and returns the f values Torch7 returns (fx / f_hist).
  virtual std::vector<double> step(const Feval& feval, at::Tensor& x) = 0;
  // The parameters to evaluate with (ASGD's average ax), or an undefined tensor.
  virtual at::Tensor evaluationParameters() { return {}; }
  // Torch7's scalar state (evalCounter, nIter, t, …), mirrored into the JavaScript state table.
  virtual std::vector<std::pair<std::string, double>> scalars() const { return {}; }
  // The state tensors (lists as name.0, name.1, …), for checkpoints and the state table.
  virtual std::vector<std::pair<std::string, at::Tensor>> tensors() const { return {}; }
  virtual void restore(const std::map<std::string, double>& scalars, const std::map<std::string, at::Tensor>& tensors) = 0;

  std::string name;              // set by createOptimMethod
  int64_t lastEvaluations = 0;   // evaluations made by the last step (Torch7's third return value)
  bool lastStoppedAtStart = false;  // the last step found x optimal before moving (lbfgs returns x, f_hist only)
};

// What Torch7's first-order methods (sgd, adagrad) share: learningRate, learningRateDecay and
// weightDecay; evalCounter for the decayed rate lr / (1 + evalCounter·learningRateDecay); and one
// state buffer, named as in Torch7's state table.
struct FirstOrderMethod : OptimMethod {
  explicit FirstOrderMethod(const char* bufferName) : bufferName(bufferName) {}
  void configure(Napi::Object config) override {
    learningRate = configNumber(config, "learningRate");
    learningRateDecay = configNumber(config, "learningRateDecay");
    weightDecay = configNumber(config, "weightDecay");
  }
  // Torch7 adds the weight decay to the gradient in place.
  void decayWeights(at::Tensor& g, const at::Tensor& x) const {
    if (weightDecay != 0) g.add_(x, weightDecay);
  }
  double currentRate() const { return learningRate / (1 + static_cast<double>(evalCounter) * learningRateDecay); }
  std::vector<std::pair<std::string, double>> scalars() const override {
    return {{"evalCounter", static_cast<double>(evalCounter)}};
  }
  std::vector<std::pair<std::string, at::Tensor>> tensors() const override {
    if (!buffer.defined()) return {};
    return {{bufferName, buffer}};
  }
  void restore(const std::map<std::string, double>& s, const std::map<std::string, at::Tensor>& t) override {
    evalCounter = static_cast<int64_t>(restoredScalar(s, "evalCounter"));
    buffer = restoredTensor(t, bufferName);
  }

  const char* bufferName;
  double learningRate = 0, learningRateDecay = 0, weightDecay = 0;
  int64_t evalCounter = 0;
  at::Tensor buffer;  // created on the first step that needs it
};

using OptimFactory = std::unique_ptr<OptimMethod> (*)();
bool registerOptimMethod(const char* name, OptimFactory factory);
#define NODETORCH_REGISTER_OPTIM(NAME, CLASS) \
  static const bool registered_##CLASS = registerOptimMethod(NAME, []() -> std::unique_ptr<OptimMethod> { return std::make_unique<CLASS>(); })

std::unique_ptr<OptimMethod> createOptimMethod(const std::string& name);


}  // namespace nodetorch
