// The optimizer handle JavaScript holds (for the closure form and the Trainer alike) and the
// optimizer entry points.
#pragma once
#include <mutex>

#include "engine/optim_method.h"

namespace nodetorch {

struct OptimizerHandle {
  std::unique_ptr<OptimMethod> method;
  std::mutex busy;  // one user at a time: a running pass, or a closure-form step
};

// The handle a JS value holds, or null when it holds none.
OptimizerHandle* optimizerFromValue(Napi::Env env, Napi::Value value);

}  // namespace nodetorch
