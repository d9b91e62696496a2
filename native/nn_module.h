// Torch7-style modules in C++. A module's forward is a pure function recorded by autograd, so a
// Sequential of native modules runs forward and backward entirely in LibTorch; Torch7's
// backward(input, gradOutput) is autograd from the saved output (see module_api.cc).
#pragma once
#include "common.h"

#include <memory>

namespace nodetorch {

struct Module {
  virtual ~Module() = default;
  virtual std::string type() const = 0;
  virtual at::Tensor forward(const at::Tensor& input) = 0;
  // Trainable tensors (weight, bias) in Torch7's parameters() order; pointers so that
  // getParameters() can re-point them into one flat vector.
  virtual std::vector<at::Tensor*> parameters() { return {}; }
  virtual void setTraining(bool flag) { training = flag; }
  bool training = true;
  // The flat vectors of the last getParameters(), reused while every parameter still views them.
  at::Tensor flatParams, flatGrads;
};

using ModulePtr = std::shared_ptr<Module>;

struct Sequential : Module {
  std::vector<ModulePtr> modules;
  std::string type() const override { return "Sequential"; }
  at::Tensor forward(const at::Tensor& input) override;
  std::vector<at::Tensor*> parameters() override;
  void setTraining(bool flag) override;
};

// Builds a module from its Torch7 name and numeric arguments (validated in TypeScript, checked
// again cheaply here). Throws for unknown names.
ModulePtr createModule(const std::string& type, const std::vector<double>& args);

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
};
using CriterionPtr = std::shared_ptr<Criterion>;
CriterionPtr createCriterion(const std::string& type, const std::vector<double>& args);

}  // namespace nodetorch
