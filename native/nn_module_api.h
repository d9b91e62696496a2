#pragma once
#include "engine/nn_module.h"

namespace nodetorch {

// What a JS module handle owns: the module (shared with containers) and, for Torch7's
// backward(input, gradOutput), the graph of its last forward call made from JavaScript.
struct ModuleBox {
  explicit ModuleBox(ModulePtr m) : module(std::move(m)) {}
  ModulePtr module;
  Value lastInput, lastOutput;
  std::vector<at::TensorImpl*> forwardParameters;  // the parameters the last forward recorded, to tell when to() replaced them
};
struct CriterionBox {
  explicit CriterionBox(CriterionPtr c) : criterion(std::move(c)) {}
  CriterionPtr criterion;
};

ModulePtr& moduleArg(const Napi::CallbackInfo& info, size_t i);
// A new JS handle owning a module.
Napi::Value wrapModule(Napi::Env env, ModulePtr module);
// A JS tensor or (nested) array of tensors as a Value, and back.
Value valueFromJs(Napi::Env env, Napi::Value value, const std::string& what, int depth = 0);
Napi::Value valueToJs(Napi::Env env, const Value& value);
ModuleBox& moduleFromValue(Napi::Env env, Napi::Value value);
CriterionBox& criterionFromValue(Napi::Env env, Napi::Value value);
CriterionPtr& criterionArg(const Napi::CallbackInfo& info, size_t i);

}  // namespace nodetorch
