// JS entry points for modules and criteria.
#include "addon_entries.h"
#include "nn_module_api.h"

#include "boxed.h"
#include "tensor_handle.h"

namespace nodetorch {

namespace {

const napi_type_tag kModuleTag = {0x6e746d6f64756c65ULL, 0x1b2c3d4e5f607182ULL};
const napi_type_tag kCriterionTag = {0x6e74637269746572ULL, 0x2c3d4e5f60718293ULL};

ModuleBox& boxArg(const Napi::CallbackInfo& info, size_t i) {
  return boxedArg<ModuleBox>(info, i, kModuleTag, "a native module");
}

Options layerOptionsArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsObject()) fail("expected an options object");
  return Options(info[i].As<Napi::Object>());
}

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
  auto* box = new ModuleBox(createModule(stringArg(info, 0, "module type"), layerOptionsArg(info, 1)));
  return wrapBoxed(info.Env(), box, kModuleTag);
}

Napi::Value sequentialAdd(const Napi::CallbackInfo& info) {
  auto seq = std::dynamic_pointer_cast<Sequential>(moduleArg(info, 0));
  if (!seq) fail("add() needs a Sequential container");
  seq->modules.push_back(moduleArg(info, 1));
  return info.Env().Undefined();
}

Napi::Value moduleForward(const Napi::CallbackInfo& info) {
  ModuleBox& box = boxArg(info, 0);
  at::Tensor& x = tensorArg(info, 1, "input");
  at::Tensor input = x.detach();
  if (at::isFloatingType(input.scalar_type()) && at::GradMode::is_enabled()) input.set_requires_grad(true);
  at::Tensor output = box.module->forward(input);
  box.lastInput = input;
  box.lastOutput = output;
  return wrapTensor(info.Env(), output.detach());
}

// backward(input, gradOutput): gradInput; parameter gradients accumulate, as in Torch7. Several
// backward calls may follow one forward (Torch7's nn.Jacobian makes one per output element): the
// graph is kept until the next forward, and each call's gradients add to the parameters'.
Napi::Value moduleBackward(const Napi::CallbackInfo& info) {
  ModuleBox& box = boxArg(info, 0);
  at::Tensor& x = tensorArg(info, 1, "input");
  at::Tensor& gradOutput = tensorArg(info, 2, "gradOutput");
  if (!box.lastOutput.defined()) fail("backward() needs a forward() with the same input first");
  if (!x.sizes().equals(box.lastInput.sizes()) || x.data_ptr() != box.lastInput.data_ptr())
    fail("backward() must get the input of the last forward() (Torch7 semantics); call forward(input) again");
  if (!gradOutput.sizes().equals(box.lastOutput.sizes()))
    fail("gradOutput has shape " + shapeString(gradOutput.sizes()) + " but the output has shape " + shapeString(box.lastOutput.sizes()));
  ensureGrads(*box.module);
  at::Tensor gradInput;
  if (box.lastOutput.requires_grad()) {
    box.lastInput.mutable_grad() = at::Tensor();  // this call's gradInput only, not a sum over calls
    torch::autograd::backward({box.lastOutput}, {gradOutput.to(box.lastOutput.options())}, /*retain_graph=*/true);
    gradInput = box.lastInput.grad().defined() ? box.lastInput.grad() : at::zeros_like(box.lastInput);
  } else {
    gradInput = at::zeros_like(box.lastInput);
  }
  return wrapTensor(info.Env(), gradInput);
}

Napi::Value moduleParameters(const Napi::CallbackInfo& info) {
  Module& m = *moduleArg(info, 0);
  ensureGrads(m);
  std::vector<at::Tensor> params, grads;
  for (at::Tensor* p : m.parameters()) {
    params.push_back(p->detach());  // shares storage: writes through, no autograd history
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

Napi::Value moduleSetTraining(const Napi::CallbackInfo& info) {
  moduleArg(info, 0)->setTraining(boolArg(info, 1, "training"));
  return info.Env().Undefined();
}

// to(dtype | null, device | null): converts every parameter (and drops any flat view).
Napi::Value moduleTo(const Napi::CallbackInfo& info) {
  Module& m = *moduleArg(info, 0);
  at::ScalarType dtype = parseDtype(stringArg(info, 1, "dtype"));
  at::Device device = parseDevice(stringArg(info, 2, "device"));
  at::NoGradGuard noGrad;
  for (at::Tensor* p : m.parameters()) {
    *p = p->to(device, dtype).detach().clone();
    p->set_requires_grad(true);
  }
  return info.Env().Undefined();
}

// setParameters(list): copies values into the parameters (used by nn.load).
Napi::Value moduleSetParameters(const Napi::CallbackInfo& info) {
  Module& m = *moduleArg(info, 0);
  if (info.Length() < 2 || !info[1].IsArray()) fail("expected an array of tensors");
  Napi::Array list = info[1].As<Napi::Array>();
  auto params = m.parameters();
  if (list.Length() != params.size())
    fail("the saved model has " + std::to_string(list.Length()) + " parameter tensors but this module has " + std::to_string(params.size()));
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
  auto* box = new CriterionBox(createCriterion(stringArg(info, 0, "criterion type"), layerOptionsArg(info, 1)));
  return wrapBoxed(info.Env(), box, kCriterionTag);
}

// criterionForward(c, output, target) → loss (a number).
Napi::Value criterionForward(const Napi::CallbackInfo& info) {
  at::NoGradGuard noGrad;
  at::Tensor loss = criterionArg(info, 0)->loss(tensorArg(info, 1, "input"), tensorArg(info, 2, "target"));
  return Napi::Number::New(info.Env(), loss.item<double>());
}

// criterionBackward(c, output, target) → d loss / d output.
Napi::Value criterionBackward(const Napi::CallbackInfo& info) {
  at::Tensor output = tensorArg(info, 1, "input").detach();
  if (!at::isFloatingType(output.scalar_type())) fail("the criterion input must be floating point");
  output.set_requires_grad(true);
  at::Tensor loss = criterionArg(info, 0)->loss(output, tensorArg(info, 2, "target"));
  return wrapTensor(info.Env(), torch::autograd::grad({loss}, {output})[0]);
}

}  // namespace

ModulePtr& moduleArg(const Napi::CallbackInfo& info, size_t i) { return boxArg(info, i).module; }

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

// True when every parameter (and its gradient) is still the view getParameters() made.
static bool stillFlat(Module& module, const std::vector<at::Tensor*>& params) {
  if (!module.flatParams.defined()) return false;
  int64_t offset = 0;
  auto at = [](const at::Tensor& flat, int64_t i) { return static_cast<char*>(flat.data_ptr()) + i * flat.element_size(); };
  for (at::Tensor* p : params) {
    const at::Tensor& g = p->grad();
    if (!g.defined() || offset + p->numel() > module.flatParams.numel() || p->data_ptr() != at(module.flatParams, offset) ||
        g.data_ptr() != at(module.flatGrads, offset))
      return false;
    offset += p->numel();
  }
  return offset == module.flatParams.numel();
}

std::pair<at::Tensor, at::Tensor> flattenParameters(Module& module) {
  auto params = module.parameters();
  if (params.empty()) fail("getParameters(): the module has no parameters");
  if (stillFlat(module, params)) return {module.flatParams, module.flatGrads};
  int64_t total = 0;
  for (at::Tensor* p : params) total += p->numel();
  at::TensorOptions options = params[0]->options().requires_grad(false);
  at::Tensor flat = at::empty({total}, options);
  at::Tensor flatGrad = at::zeros({total}, options);
  at::NoGradGuard noGrad;
  int64_t offset = 0;
  for (at::Tensor* p : params) {
    if (p->scalar_type() != flat.scalar_type() || p->device() != flat.device())
      fail("getParameters(): all parameters must share one dtype and device");
    int64_t n = p->numel();
    at::Tensor view = flat.narrow(0, offset, n).view(p->sizes());
    view.copy_(*p);
    at::Tensor gradView = flatGrad.narrow(0, offset, n).view(p->sizes());
    if (p->grad().defined()) gradView.copy_(p->grad());
    *p = view;
    p->set_requires_grad(true);
    p->mutable_grad() = gradView;  // autograd accumulates in place into the flat gradient
    offset += n;
  }
  module.flatParams = flat;
  module.flatGrads = flatGrad;
  return {flat, flatGrad};
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
      {"moduleSetTraining", moduleSetTraining},
      {"moduleTo", moduleTo},
      {"moduleSetParameters", moduleSetParameters},
      {"criterionCreate", criterionCreate},
      {"criterionForward", criterionForward},
      {"criterionBackward", criterionBackward},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
