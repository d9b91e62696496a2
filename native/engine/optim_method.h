// Torch7's optimizers as one C++ interface, shared by the closure form (optim.X(feval, x, config,
// state) from JavaScript, where feval calls back into JS) and the native training loop (where
// feval runs forward/backward on a minibatch without leaving C++). Each method is one class that
// registers itself under its Torch7 name (NODETORCH_REGISTER_OPTIM, beside the class).
#pragma once
#include "engine.h"
#include "options.h"

#include <functional>
#include <map>
#include <memory>

namespace nodetorch {

// f(x) and df/dx at x. The gradient may alias a buffer that the next call overwrites.
using Feval = std::function<std::pair<double, at::Tensor>(const at::Tensor& x)>;

// Reads a restored value, or fails naming it.
double restoredScalar(const std::map<std::string, double>& scalars, const std::string& key);
at::Tensor restoredTensor(const std::map<std::string, at::Tensor>& tensors, const std::string& key);

struct OptimMethod {
  virtual ~OptimMethod() = default;
  // Reads Torch7's config table into the method's typed fields, on every call as Torch7 does
  // (schedules can change it). TypeScript has validated it and filled every default
  // (lib/optim/configs.ts), so every key is present.
  virtual void configure(const Options& config) = 0;
  // One Torch7 call: updates x in place and returns the f values Torch7 returns (fx / f_hist).
  virtual std::vector<double> step(const Feval& feval, at::Tensor& x) = 0;
  // The parameters to evaluate with (ASGD's average ax), or an undefined tensor.
  virtual at::Tensor evaluationParameters() { return {}; }
  // Torch7's scalar state (evalCounter, nIter, t, …), mirrored into the JavaScript state table.
  virtual std::vector<std::pair<std::string, double>> scalars() const { return {}; }
  // The state tensors (lists as name.0, name.1, …), for checkpoints and the state table.
  virtual std::vector<std::pair<std::string, at::Tensor>> tensors() const { return {}; }
  virtual void restore(const std::map<std::string, double>& scalars, const std::map<std::string, at::Tensor>& tensors) = 0;

  std::string name;  // set by createOptimMethod
  // A schedule's factor on the learning rate (set by the Trainer's passes; 1 in the closure form).
  double rateScale = 1;
  int64_t lastEvaluations = 0;      // evaluations made by the last step (Torch7's third return value)
  bool lastStoppedAtStart = false;  // the last step found x optimal before moving (lbfgs returns x, f_hist only)
};

// Reads buffers that a method creates together: all of them, or none (saved before the first step).
std::vector<at::Tensor> restoredTensors(const std::map<std::string, at::Tensor>& tensors, const std::vector<std::string>& keys);

// Torch7's gradient methods (sgd, adagrad, adadelta, adam, adamax, adamw, rmsprop, rprop, nag):
// one evaluation, then an update of x from g. They keep one step counter (evalCounter or t; none in
// rmsprop and rprop) and tensors created together on the first step that needs them, named as in
// Torch7's state table. Each reads its options into typed fields in configure(), the shared ones
// (learning rate, its decay, weight decay) into the fields here.
struct GradientMethod : OptimMethod {
  GradientMethod(const char* counterName, std::vector<std::string> bufferNames)
      : counterName(counterName), bufferNames(std::move(bufferNames)) {}

  std::vector<double> step(const Feval& feval, at::Tensor& x) override {
    lookAhead(x);
    auto [fx, g] = feval(x);
    at::NoGradGuard noGrad;
    update(x, g);
    lastEvaluations = 1;
    return {fx};
  }
  // Moves x before the evaluation (nag's look-ahead); most methods do not.
  virtual void lookAhead(at::Tensor&) {}
  // Updates x in place from the gradient g at x (which it may change in place, as Torch7).
  virtual void update(at::Tensor& x, at::Tensor& g) = 0;

  // Torch7's weight decay: added to the gradient in place (L2, as PyTorch's weight_decay).
  void decayWeights(at::Tensor& g, const at::Tensor& x) const {
    if (weightDecay != 0) g.add_(x, weightDecay);
  }
  // The configured learning rate times the schedule's factor.
  double learningRate() const { return configuredRate * rateScale; }
  // lr / (1 + counter·learningRateDecay), the counter read before this step counts.
  double decayedRate() const { return learningRate() / (1 + static_cast<double>(counter) * learningRateDecay); }
  bool started() const { return !buffers.empty(); }
  // Creates every buffer like `like`, filled with `value`.
  void createBuffers(const at::Tensor& like, double value = 0) {
    buffers.clear();
    for (size_t i = 0; i < bufferNames.size(); i++) buffers.push_back(at::full_like(like, value));
  }
  at::Tensor& buffer(size_t i = 0) { return buffers.at(i); }

  std::vector<std::pair<std::string, double>> scalars() const override {
    if (counterName == nullptr) return {};
    return {{counterName, static_cast<double>(counter)}};
  }
  std::vector<std::pair<std::string, at::Tensor>> tensors() const override {
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (size_t i = 0; i < buffers.size(); i++) out.emplace_back(bufferNames[i], buffers[i]);
    return out;
  }
  void restore(const std::map<std::string, double>& s, const std::map<std::string, at::Tensor>& t) override {
    if (counterName != nullptr) counter = static_cast<int64_t>(restoredScalar(s, counterName));
    buffers = restoredTensors(t, bufferNames);
  }

  const char* counterName;
  std::vector<std::string> bufferNames;
  // the shared options, where a method has them (0 where it has not)
  double configuredRate = 0, learningRateDecay = 0, weightDecay = 0;
  // Reads them: the learning rate, its decay where the method has one, and the weight decay.
  void readRates(const Options& o, bool decays) {
    configuredRate = o.number("learningRate");
    if (decays) learningRateDecay = o.number("learningRateDecay");
    weightDecay = o.number("weightDecay");
  }
  int64_t counter = 0;
  std::vector<at::Tensor> buffers;  // empty before the first step that needs them
};

// Adam, Adamax and AdamW: two moment estimates decaying at beta1 and beta2, and the denominator's epsilon.
struct MomentMethod : GradientMethod {
  using GradientMethod::GradientMethod;
  double beta1 = 0, beta2 = 0, epsilon = 0;
  void readMoments(const Options& o) {
    beta1 = o.number("beta1");
    beta2 = o.number("beta2");
    epsilon = o.number("epsilon");
  }
};

using OptimFactory = std::unique_ptr<OptimMethod> (*)();
bool registerOptimMethod(const char* name, OptimFactory factory);
#define NODETORCH_REGISTER_OPTIM(NAME, CLASS) \
  static const bool registered_##CLASS =      \
      registerOptimMethod(NAME, []() -> std::unique_ptr<OptimMethod> { return std::make_unique<CLASS>(); })

std::unique_ptr<OptimMethod> createOptimMethod(const std::string& name);

}  // namespace nodetorch
