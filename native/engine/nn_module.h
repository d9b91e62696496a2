// Torch7-style modules in C++. A module's forward is a pure function recorded by autograd, so a
// Sequential of native modules runs forward and backward entirely in LibTorch; Torch7's
// backward(input, gradOutput) is autograd from the saved output (see nn_module_api.cc).
#pragma once
#include "engine.h"
#include "options.h"

#include <atomic>
#include <memory>

namespace nodetorch {

// What flows between modules: a tensor, or a table (Torch7's name for a list) of values.
struct Value {
  at::Tensor tensor;        // defined for a tensor
  std::vector<Value> list;  // the entries of a table
  Value() = default;
  Value(at::Tensor t) : tensor(std::move(t)) {}  // NOLINT: a tensor is a value
  static Value table(std::vector<Value> entries) {
    Value v;
    v.list = std::move(entries);
    return v;
  }
  bool isTensor() const { return tensor.defined(); }
  // The tensors, depth first; and the shape as text: [2, 3] or {[2, 3], {[4]}}.
  void leaves(std::vector<at::Tensor>& out) const;
  std::string shape() const;
};

struct Module {
  virtual ~Module() = default;
  virtual std::string type() const = 0;
  // A tensor module overrides forward(tensor); a table module (or container) overrides apply(value).
  // forward on a table module applies it to the tensor and needs a tensor back.
  virtual at::Tensor forward(const at::Tensor& input);
  virtual Value apply(const Value& input);
  // Trainable tensors (weight, bias) in Torch7's parameters() order; pointers so that
  // getParameters() can re-point them into one flat vector.
  virtual std::vector<at::Tensor*> parameters() { return {}; }
  // This module's own buffers (running statistics), by their PyTorch names; not trained, not in
  // getParameters(), but saved, loaded and converted with the module.
  virtual std::vector<std::pair<std::string, at::Tensor*>> buffers() { return {}; }
  // The names of parameters() in the state dict: Torch7's (and PyTorch's) weight and bias, or a
  // module's own (LSTM's weight_ih_l0, …).
  virtual std::vector<std::string> parameterNames() { return {"weight", "bias"}; }
  // Torch7's noBias(): removes the bias (a module with one returns true; others have none to remove).
  virtual bool dropBias() { return false; }
  // What the last forward left to read (a recurrent layer's final states, h and c).
  virtual std::vector<std::pair<std::string, at::Tensor>> lastStates() { return {}; }
  virtual void setTraining(bool flag) { training = flag; }
  bool training = true;
  // The flat vectors of the last getParameters(), reused while every parameter still views them.
  at::Tensor flatParams, flatGrads;
};

using ModulePtr = std::shared_ptr<Module>;

// A module with a weight and a bias that Torch7's noBias() can remove (Linear, the convolutions):
// without it the bias is undefined, which LibTorch's linear and convolutions take as none.
struct WeightAndBias : Module {
  at::Tensor weight, bias;
  std::vector<at::Tensor*> parameters() override {
    if (!bias.defined()) return {&weight};
    return {&weight, &bias};
  }
  std::vector<std::string> parameterNames() override {
    if (!bias.defined()) return {"weight"};
    return {"weight", "bias"};
  }
  bool dropBias() override {
    bias = at::Tensor();
    return true;
  }
};

// The cancel flag of the native pass running on this thread (null on other threads): a module
// that waits for JavaScript (nn_jsmodule.cc) stops waiting when the pass is cancelled.
const std::atomic<bool>*& passCancelFlag();

// Torch7's dimension `dim` (1-based, negative from the end) of t as a 0-based one, moved past the
// batch dimension when t has more than nInputDims dimensions (nInputDims 0: never); `who` names the
// module in the error for a dimension outside t.
int64_t torch7Dimension(const std::string& who, int64_t dim, int64_t nInputDims, const at::Tensor& t);

// getParameters(): one contiguous vector (and one for gradients) that every parameter of the
// module becomes a view of, as Torch7's Module:getParameters().
std::pair<at::Tensor, at::Tensor> flattenParameters(Module& module);
// A tensor sharing the parameter's memory without its autograd history, for JavaScript (module.weight,
// parameters()): getParameters() re-points it with the parameter, as Torch7's fields.
at::Tensor parameterAlias(const at::Tensor& parameter);
// True when every parameter (and its gradient) views flat / flatGrad, in order, as getParameters()
// left them: to(), setParameters or a getParameters() on a module inside re-points them.
bool viewsFlat(const std::vector<at::Tensor*>& params, const at::Tensor& flat, const at::Tensor& flatGrad);

// The buffers of a module and of every module inside it, in order.
std::vector<at::Tensor*> allBuffers(Module& module);

// A module holding others (Sequential, Concat, ConcatTable, ParallelTable): their parameters in
// order, and training mode passed down.
struct Container : Module {
  std::vector<ModulePtr> modules;
  std::vector<at::Tensor*> parameters() override;
  void setTraining(bool flag) override;
  // runs child k, naming it in an error
  Value child(size_t k, const Value& input);
};

struct Sequential : Container {
  std::string type() const override { return "Sequential"; }
  Value apply(const Value& input) override;
};

// Each module and criterion class registers how to build it under its Torch7 name, beside the
// class: NODETORCH_REGISTER_MODULE(Linear, "Linear", [](const Options& o) -> ModulePtr { ... }).
using ModuleFactory = ModulePtr (*)(const Options&);
bool registerModuleType(const char* type, ModuleFactory factory);
ModulePtr createModule(const std::string& type, const Options& options);
#define NODETORCH_REGISTER_MODULE(ID, TYPE, FACTORY) static const bool registered_module_##ID = registerModuleType(TYPE, FACTORY)

// Torch7's default initialisation: weight and bias ~ U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
void resetUniform(at::Tensor& weight, at::Tensor& bias, int64_t fanIn);

// A criterion: loss (averaged over a batch as Torch7's sizeAverage) from output and target.
struct Criterion {
  virtual ~Criterion() = default;
  virtual std::string type() const = 0;
  // Torch7's forward: the loss of one sample, or of a batch as Torch7 computes it in batch mode.
  virtual at::Tensor loss(const at::Tensor& output, const at::Tensor& target) = 0;
  // The mean over the batch of the per-sample losses: what Torch7's feval averaged over a
  // minibatch (the training loop's loss). Equal to loss() for criteria that average batches.
  virtual at::Tensor sampleMeanLoss(const at::Tensor& output, const at::Tensor& target) { return loss(output, target); }
  // The loss of a table output (MarginRankingCriterion's pair); a tensor criterion takes a tensor.
  virtual at::Tensor tableLoss(const Value& output, const at::Tensor& target) {
    if (!output.isTensor()) fail(type() + " takes a tensor input, not a table " + output.shape());
    return loss(output.tensor, target);
  }
};
using CriterionPtr = std::shared_ptr<Criterion>;
using CriterionFactory = CriterionPtr (*)(const Options&);
bool registerCriterionType(const char* type, CriterionFactory factory);
CriterionPtr createCriterion(const std::string& type, const Options& options);
#define NODETORCH_REGISTER_CRITERION(ID, TYPE, FACTORY) static const bool registered_criterion_##ID = registerCriterionType(TYPE, FACTORY)

}  // namespace nodetorch
