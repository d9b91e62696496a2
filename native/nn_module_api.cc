// JS entry points for modules and criteria.
#include "addon_entries.h"
#include "nn_module_api.h"

#include "boxed.h"
#include "tensor_handle.h"

namespace nodetorch {

namespace {

const napi_type_tag kModuleTag = {0x6e746d6f64756c65ULL, 0x1b2c3d4e5f607182ULL};
const napi_type_tag kCriterionTag = {0x6e74637269746572ULL, 0x2c3d4e5f60718293ULL};

ModuleBox& boxArg(const Napi::CallbackInfo& info, size_t i) { return boxedArg<ModuleBox>(info, i, kModuleTag, "a native module"); }

Napi::Value tensorList(Napi::Env env, const std::vector<at::Tensor>& tensors) {
  Napi::Array out = Napi::Array::New(env, tensors.size());
  for (size_t k = 0; k < tensors.size(); ++k) out.Set(static_cast<uint32_t>(k), wrapTensor(env, tensors[k]));
  return out;
}

// Torch7 modules always have gradWeight/gradBias; autograd creates grads lazily.
void ensureGrads(Module& m) {
  for (at::Tensor* p : m.parameters())
    if (!p->grad().defined()) p->mutable_grad() = at::zeros_like(*p);
}

Napi::Value moduleCreate(const Napi::CallbackInfo& info) {
  auto* box = new ModuleBox(createModule(stringArg(info, 0, "module type"), optionsArg(info, 1, "an options object")));
  return wrapBoxed(info.Env(), box, kModuleTag);
}

Napi::Value sequentialAdd(const Napi::CallbackInfo& info) {
  auto container = std::dynamic_pointer_cast<Container>(moduleArg(info, 0));
  if (!container) fail("add() needs a container");
  container->modules.push_back(moduleArg(info, 1));
  return info.Env().Undefined();
}

// Each tensor of the input, detached and (floating, with grad mode on) requiring its gradient.
Value leafInputs(const Value& v) {
  if (!v.isTensor()) {
    std::vector<Value> out;
    for (const Value& e : v.list) out.push_back(leafInputs(e));
    return Value::table(std::move(out));
  }
  at::Tensor t = v.tensor.detach();
  if (at::isFloatingType(t.scalar_type()) && at::GradMode::is_enabled()) t.set_requires_grad(true);
  return t;
}

Value detached(const Value& v) {
  if (v.isTensor()) return v.tensor.detach();
  std::vector<Value> out;
  for (const Value& e : v.list) out.push_back(detached(e));
  return Value::table(std::move(out));
}

// The input forward records, tensor by tensor. One already on an autograd graph (another module's
// output, a tensor made with requiresGrad) stays on it, as in PyTorch, through an alias of its own
// (view_as), so that each entry of a table, even one tensor given twice, has its own gradient for
// Torch7's backward. Plain data becomes a leaf that requires gradients: its gradient is gradInput.
Value recordedInput(const Value& v) {
  if (!v.isTensor()) {
    std::vector<Value> out;
    for (const Value& e : v.list) out.push_back(recordedInput(e));
    return Value::table(std::move(out));
  }
  if (v.tensor.requires_grad()) return v.tensor.view_as(v.tensor);
  return leafInputs(v);
}

// The value's tensors replaced, in order, by `grads` (zeros where none flowed).
Value withGradients(const Value& v, const std::vector<at::Tensor>& grads, size_t& next) {
  if (v.isTensor()) {
    const at::Tensor& g = grads.at(next++);
    return g.defined() ? g : at::zeros_like(v.tensor);
  }
  std::vector<Value> out;
  for (const Value& e : v.list) out.push_back(withGradients(e, grads, next));
  return Value::table(std::move(out));
}

Napi::Value moduleForward(const Napi::CallbackInfo& info) {
  ModuleBox& box = boxArg(info, 0);
  if (info.Length() < 2) fail("expected an input");
  // Inside a TypeScript module's forward the input is passed on as it is (its graph continues);
  // otherwise see recordedInput.
  bool insideScriptModule = info.Length() > 2 && info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value();
  Value given = valueFromJs(info.Env(), info[1], "input");
  Value input = insideScriptModule ? given : recordedInput(given);
  Value output = box.module->apply(input);
  box.lastInput = input;
  box.lastOutput = output;
  box.forwardParameters.clear();
  for (at::Tensor* p : box.module->parameters()) box.forwardParameters.push_back(p->unsafeGetTensorImpl());
  // with grad mode on, the output stays on the autograd graph of the parameters, so that
  // criterion.loss(...).backward() fills their gradients (the PyTorch loop)
  return valueToJs(info.Env(), at::GradMode::is_enabled() ? output : detached(output));
}

// backward(input, gradOutput): gradInput; parameter gradients accumulate, as in Torch7. Several
// backward calls may follow one forward (Torch7's nn.Jacobian makes one per output element): the
// graph is kept until the next forward, and each call's gradients add to the parameters'.
Napi::Value moduleBackward(const Napi::CallbackInfo& info) {
  ModuleBox& box = boxArg(info, 0);
  if (info.Length() < 3) fail("expected an input and a gradOutput");
  Value x = valueFromJs(info.Env(), info[1], "input");
  Value gradOutput = valueFromJs(info.Env(), info[2], "gradOutput");
  if (!box.lastOutput.isTensor() && box.lastOutput.list.empty()) fail("backward() needs a forward() with the same input first");
  std::vector<at::Tensor> given, last;
  x.leaves(given);
  box.lastInput.leaves(last);
  bool same = x.shape() == box.lastInput.shape() && given.size() == last.size();
  for (size_t k = 0; same && k < given.size(); ++k) same = given[k].data_ptr() == last[k].data_ptr();
  if (!same) fail("backward() must get the input of the last forward() (Torch7 semantics); call forward(input) again");
  if (gradOutput.shape() != box.lastOutput.shape())
    fail("gradOutput has shape " + gradOutput.shape() + " but the output has shape " + box.lastOutput.shape());
  // to() and noBias() replace the parameters: the last forward's graph holds the old ones
  std::vector<at::TensorImpl*> now;
  for (at::Tensor* p : box.module->parameters()) now.push_back(p->unsafeGetTensorImpl());
  if (now != box.forwardParameters)
    fail("the module's parameters were replaced (to(), noBias()) since the last forward(); call forward(input) again before backward()");
  ensureGrads(*box.module);
  std::vector<at::Tensor> outputs, grads, inputs;
  box.lastOutput.leaves(outputs);
  gradOutput.leaves(grads);
  box.lastInput.leaves(inputs);
  std::vector<at::Tensor> roots, rootGrads;
  for (size_t k = 0; k < outputs.size(); ++k) {
    if (!outputs[k].requires_grad()) continue;
    roots.push_back(outputs[k]);
    rootGrads.push_back(grads[k].to(outputs[k].options()));
  }
  if (roots.empty())
    fail("backward() needs the last forward() to have run with grad mode on (it ran under noGrad, or nothing in it needs a gradient)");
  // Torch7's backward stops at this module: the gradients of its own inputs (returned) and of its
  // own parameters (added to theirs), not of whatever made its input (a graph kept by forward).
  std::vector<at::Tensor*> params = box.module->parameters();
  std::vector<at::Tensor> wrt;
  std::vector<size_t> inputSlot(inputs.size(), SIZE_MAX), paramSlot(params.size(), SIZE_MAX);
  for (size_t k = 0; k < inputs.size(); ++k)
    if (inputs[k].requires_grad()) inputSlot[k] = wrt.size(), wrt.push_back(inputs[k]);
  for (size_t k = 0; k < params.size(); ++k)
    if (params[k]->requires_grad()) paramSlot[k] = wrt.size(), wrt.push_back(*params[k]);
  std::vector<at::Tensor> found;
  if (!roots.empty() && !wrt.empty())
    found = torch::autograd::grad(roots, wrt, rootGrads, /*retain_graph=*/true, /*create_graph=*/false, /*allow_unused=*/true);
  auto gradOf = [&](size_t slot) { return slot == SIZE_MAX || found.empty() ? at::Tensor() : found[slot]; };
  {
    at::NoGradGuard noGrad;
    for (size_t k = 0; k < params.size(); ++k) {
      at::Tensor g = gradOf(paramSlot[k]);
      if (g.defined()) params[k]->mutable_grad().add_(g);
    }
  }
  std::vector<at::Tensor> inputGrads;
  for (size_t k = 0; k < inputs.size(); ++k) inputGrads.push_back(gradOf(inputSlot[k]));
  size_t next = 0;
  return valueToJs(info.Env(), withGradients(box.lastInput, inputGrads, next));
}

Napi::Value moduleParameters(const Napi::CallbackInfo& info) {
  Module& m = *moduleArg(info, 0);
  ensureGrads(m);
  std::vector<at::Tensor> params, grads;
  for (at::Tensor* p : m.parameters()) {
    params.push_back(parameterAlias(*p));  // shares storage: writes through, no autograd history; follows getParameters()
    grads.push_back(p->grad());
  }
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("params", tensorList(info.Env(), params));
  out.Set("grads", tensorList(info.Env(), grads));
  return out;
}

Napi::Value moduleZeroGradParameters(const Napi::CallbackInfo& info) {
  Module& m = *moduleArg(info, 0);
  ensureGrads(m);
  for (at::Tensor* p : m.parameters()) p->mutable_grad().zero_();
  return info.Env().Undefined();
}

Napi::Value moduleUpdateParameters(const Napi::CallbackInfo& info) {
  Module& m = *moduleArg(info, 0);
  double lr = numberArg(info, 1, "learning rate");
  ensureGrads(m);
  at::NoGradGuard noGrad;
  for (at::Tensor* p : m.parameters()) p->sub_(p->grad(), lr);
  return info.Env().Undefined();
}

Napi::Value moduleGetParameters(const Napi::CallbackInfo& info) {
  auto flat = flattenParameters(*moduleArg(info, 0));
  return tensorList(info.Env(), {flat.first, flat.second});
}

// viewsFlat(module, flat, flatGrad): whether a Trainer's or Optimizer's flat vectors still hold the
// module's parameters, so that stepping them trains the model.
Napi::Value moduleViewsFlat(const Napi::CallbackInfo& info) {
  Module& m = *moduleArg(info, 0);
  return Napi::Boolean::New(info.Env(),
                            viewsFlat(m.parameters(), tensorArg(info, 1, "flat parameters"), tensorArg(info, 2, "flat gradients")));
}

Napi::Value moduleSetTraining(const Napi::CallbackInfo& info) {
  moduleArg(info, 0)->setTraining(boolArg(info, 1, "training"));
  return info.Env().Undefined();
}

// moduleNoBias(m): Torch7's noBias(), for the modules that have a bias (Linear, the convolutions).
Napi::Value moduleNoBias(const Napi::CallbackInfo& info) {
  Module& m = *moduleArg(info, 0);
  if (!m.dropBias()) fail(m.type() + " has no bias to remove (noBias() is for Linear and the convolutions)");
  m.flatParams = at::Tensor();  // one parameter fewer: a later getParameters() flattens afresh
  m.flatGrads = at::Tensor();
  return info.Env().Undefined();
}

// Whether the module is in training mode now (its container, or a test pass, may have set it).
Napi::Value moduleIsTraining(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), moduleArg(info, 0)->training); }

// to(dtype | null, device | null): converts every parameter (and drops any flat view).
// A 4-D parameter (a convolution's weight) in the memory format asked for; others stay as they are.
static at::Tensor inFormat(const at::Tensor& t, const std::string& format) {
  if (t.dim() != 4 || format.empty()) return t.clone();
  // clone(format) sets the strides even where both layouts hold the same memory (one input plane)
  return t.clone(format == "channelsLast" ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous);
}

Napi::Value moduleTo(const Napi::CallbackInfo& info) {
  Module& m = *moduleArg(info, 0);
  at::ScalarType dtype = parseDtype(stringArg(info, 1, "dtype"));
  at::Device device = parseDevice(stringArg(info, 2, "device"));
  // 'contiguous' | 'channelsLast' (TypeScript checked it); absent: each keeps its own
  std::string format = isMissing(info, 3) ? "" : stringArg(info, 3, "memoryFormat");
  at::NoGradGuard noGrad;
  for (at::Tensor* p : m.parameters()) {
    *p = inFormat(p->to(device, dtype).detach(), format);
    p->set_requires_grad(true);
  }
  // running statistics follow the parameters' dtype; counters (int64) keep theirs
  for (at::Tensor* b : allBuffers(m)) *b = at::isFloatingType(b->scalar_type()) ? b->to(device, dtype).clone() : b->to(device).clone();
  return info.Env().Undefined();
}

// moduleParameterNames(m) → the names of the module's own parameters, in order.
Napi::Value moduleParameterNames(const Napi::CallbackInfo& info) {
  Module& m = *moduleArg(info, 0);
  Napi::Env env = info.Env();
  auto names = m.parameterNames();
  size_t n = m.parameters().size();
  if (names.size() < n) fail(m.type() + " has " + std::to_string(n) + " parameter tensors but names for " + std::to_string(names.size()));
  Napi::Array out = Napi::Array::New(env, n);
  for (size_t k = 0; k < n; ++k) out.Set(static_cast<uint32_t>(k), Napi::String::New(env, names[k]));
  return out;
}

// moduleLastStates(m) → { name: tensor }: what the last forward left to read.
Napi::Value moduleLastStates(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  for (auto& [name, t] : moduleArg(info, 0)->lastStates()) out.Set(name, wrapTensor(info.Env(), t));
  return out;
}

// moduleBuffers(m) → { names, tensors }: the module's own buffers (sharing memory).
Napi::Value moduleBuffers(const Napi::CallbackInfo& info) {
  Module& m = *moduleArg(info, 0);
  Napi::Env env = info.Env();
  Napi::Array names = Napi::Array::New(env);
  std::vector<at::Tensor> tensors;
  for (auto& [name, t] : m.buffers()) {
    names.Set(names.Length(), Napi::String::New(env, name));
    tensors.push_back(*t);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("names", names);
  out.Set("tensors", tensorList(env, tensors));
  return out;
}

// setParameters(list): copies values into the parameters (used by nn.load).
Napi::Value moduleSetParameters(const Napi::CallbackInfo& info) {
  Module& m = *moduleArg(info, 0);
  if (info.Length() < 2 || !info[1].IsArray()) fail("expected an array of tensors");
  Napi::Array list = info[1].As<Napi::Array>();
  auto params = m.parameters();
  if (list.Length() != params.size())
    fail("the saved model has " + std::to_string(list.Length()) + " parameter tensors but this module has " +
         std::to_string(params.size()));
  at::NoGradGuard noGrad;
  for (size_t k = 0; k < params.size(); ++k) {
    at::Tensor& src = tensorValue(info.Env(), list.Get(static_cast<uint32_t>(k)), "parameter " + std::to_string(k));
    if (!src.sizes().equals(params[k]->sizes()))
      fail("parameter " + std::to_string(k) + " has shape " + shapeString(src.sizes()) + " in the file but " +
           shapeString(params[k]->sizes()) + " in the module");
    params[k]->copy_(src);
  }
  return info.Env().Undefined();
}

Napi::Value criterionCreate(const Napi::CallbackInfo& info) {
  auto* box = new CriterionBox(createCriterion(stringArg(info, 0, "criterion type"), optionsArg(info, 1, "an options object")));
  return wrapBoxed(info.Env(), box, kCriterionTag);
}

// criterionForward(c, output, target) → loss (a number).
Napi::Value criterionForward(const Napi::CallbackInfo& info) {
  at::NoGradGuard noGrad;
  if (info.Length() < 2) fail("expected an input");
  at::Tensor loss = criterionArg(info, 0)->tableLoss(valueFromJs(info.Env(), info[1], "input"), tensorArg(info, 2, "target"));
  return Napi::Number::New(info.Env(), loss.item<double>());
}

// criterionLoss(c, output, target) → the loss as a 0-d tensor on the autograd graph of the output.
Napi::Value criterionLoss(const Napi::CallbackInfo& info) {
  if (info.Length() < 2) fail("expected an input");
  return wrapTensor(info.Env(), criterionArg(info, 0)->tableLoss(valueFromJs(info.Env(), info[1], "input"), tensorArg(info, 2, "target")));
}

// criterionBackward(c, output, target) → d loss / d output (a table for a table output).
Napi::Value criterionBackward(const Napi::CallbackInfo& info) {
  if (info.Length() < 2) fail("expected an input");
  at::AutoGradMode gradMode(true);
  Value output = leafInputs(valueFromJs(info.Env(), info[1], "input"));
  std::vector<at::Tensor> leaves;
  output.leaves(leaves);
  for (const at::Tensor& t : leaves)
    if (!at::isFloatingType(t.scalar_type())) fail("the criterion input must be floating point");
  at::Tensor loss = criterionArg(info, 0)->tableLoss(output, tensorArg(info, 2, "target"));
  if (loss.requires_grad()) torch::autograd::backward({loss});
  std::vector<at::Tensor> grads;
  for (const at::Tensor& t : leaves) grads.push_back(t.grad());
  size_t next = 0;
  return valueToJs(info.Env(), withGradients(output, grads, next));
}

}  // namespace

Value valueFromJs(Napi::Env env, Napi::Value value, const std::string& what, int depth) {
  if (!value.IsArray()) return tensorValue(env, value, what);
  // tables nest as deep as containers may (lib/nn/Module.ts's MAX_NESTING)
  if (depth > 1000) fail(what + " nests tables more than 1000 deep");
  Napi::Array array = value.As<Napi::Array>();
  std::vector<Value> entries;
  for (uint32_t k = 0; k < array.Length(); ++k)
    entries.push_back(valueFromJs(env, array.Get(k), what + "[" + std::to_string(k) + "]", depth + 1));
  return Value::table(std::move(entries));
}

Napi::Value valueToJs(Napi::Env env, const Value& value) {
  if (value.isTensor()) return wrapTensor(env, value.tensor);
  Napi::Array out = Napi::Array::New(env, value.list.size());
  for (size_t k = 0; k < value.list.size(); ++k) out.Set(static_cast<uint32_t>(k), valueToJs(env, value.list[k]));
  return out;
}

ModulePtr& moduleArg(const Napi::CallbackInfo& info, size_t i) { return boxArg(info, i).module; }

Napi::Value wrapModule(Napi::Env env, ModulePtr module) { return wrapBoxed(env, new ModuleBox(std::move(module)), kModuleTag); }

ModuleBox& moduleFromValue(Napi::Env env, Napi::Value value) {
  ModuleBox* box = unboxed<ModuleBox>(env, value, kModuleTag);
  if (box == nullptr) fail("expected a native module");
  return *box;
}

CriterionBox& criterionFromValue(Napi::Env env, Napi::Value value) {
  CriterionBox* box = unboxed<CriterionBox>(env, value, kCriterionTag);
  if (box == nullptr) fail("expected a native criterion");
  return *box;
}

CriterionPtr& criterionArg(const Napi::CallbackInfo& info, size_t i) {
  return boxedArg<CriterionBox>(info, i, kCriterionTag, "a native criterion").criterion;
}

void registerNnModuleApi(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {
      {"moduleCreate", moduleCreate},
      {"sequentialAdd", sequentialAdd},
      {"moduleForward", moduleForward},
      {"moduleBackward", moduleBackward},
      {"moduleParameters", moduleParameters},
      {"moduleZeroGradParameters", moduleZeroGradParameters},
      {"moduleUpdateParameters", moduleUpdateParameters},
      {"moduleGetParameters", moduleGetParameters},
      {"moduleViewsFlat", moduleViewsFlat},
      {"moduleSetTraining", moduleSetTraining},
      {"moduleIsTraining", moduleIsTraining},
      {"moduleNoBias", moduleNoBias},
      {"moduleTo", moduleTo},
      {"moduleSetParameters", moduleSetParameters},
      {"moduleBuffers", moduleBuffers},
      {"moduleParameterNames", moduleParameterNames},
      {"moduleLastStates", moduleLastStates},
      {"criterionCreate", criterionCreate},
      {"criterionForward", criterionForward},
      {"criterionBackward", criterionBackward},
      {"criterionLoss", criterionLoss},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
