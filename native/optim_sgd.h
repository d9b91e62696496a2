// optim.sgd with Torch7's semantics, shared by the closure form (optim.sgd from JavaScript) and
// the native training loop, so that both give the same numbers.
#pragma once
#include "common.h"

namespace nodetorch {

struct SgdConfig {
  double learningRate = 1e-3;
  double learningRateDecay = 0;
  double weightDecay = 0;
  double momentum = 0;
  double dampening = -1;  // < 0: Torch7's default, dampening = momentum
  bool nesterov = false;
};

struct SgdState {
  int64_t evalCounter = 0;
  at::Tensor dfdx;  // momentum buffer, created on the first step with momentum
};

SgdConfig sgdConfigFrom(Napi::Object config);
// One update of x from gradient g (g is modified in place, as Torch7 does with weight decay).
void sgdStep(at::Tensor& x, at::Tensor& g, const SgdConfig& config, SgdState& state);

void registerOptimSgd(Napi::Env env, Napi::Object exports);

}  // namespace nodetorch
