// Torch7's getParameters(): every parameter (and its gradient) re-pointed into one flat vector, so
// that an optimizer updates the whole model in place as one tensor. As in Torch7, where the Lua
// tensor objects themselves are re-pointed, a tensor handed out for a parameter before (module.weight
// held in a variable) follows it into the flat vector.
#include "nn_module.h"

#include <algorithm>
#include <mutex>

namespace nodetorch {

namespace {

using WeakTensor = c10::weak_intrusive_ptr<at::TensorImpl, c10::UndefinedTensorImpl>;

// The tensors handed out for parameters (aliases sharing their memory), by the parameter they alias.
struct Alias {
  WeakTensor of, alias;
};
std::mutex aliasesMutex;  // modules live in several worker threads' environments
std::vector<Alias> aliases;

// Points t at view's memory (which holds the same values, copied) without an in-place operation:
// its version stays, so a graph that saved t before (a forward whose backward comes after
// getParameters()) still runs, and computes with the same numbers.
void repointInPlace(const at::Tensor& t, const at::Tensor& view) {
  at::TensorImpl* impl = t.unsafeGetTensorImpl();
  impl->set_allow_tensor_metadata_change(true);  // detach() forbids it in LibTorch 1.13
  impl->set_storage_keep_dtype(view.storage());
  impl->set_sizes_and_strides(view.sizes(), view.strides(), view.storage_offset());
}

// Re-points every live alias of `of` at `view`'s memory (`of` itself is re-pointed in place after).
void repointAliases(const at::Tensor& of, const at::Tensor& view) {
  std::lock_guard<std::mutex> lock(aliasesMutex);
  for (Alias& entry : aliases) {
    auto target = entry.of.lock();
    if (target.get() != of.unsafeGetTensorImpl()) continue;
    auto alias = entry.alias.lock();
    if (!alias) continue;
    repointInPlace(at::Tensor(std::move(alias)), view);
  }
}

}  // namespace

at::Tensor parameterAlias(const at::Tensor& parameter) {
  at::Tensor alias = parameter.detach();
  std::lock_guard<std::mutex> lock(aliasesMutex);
  aliases.erase(std::remove_if(aliases.begin(), aliases.end(), [](const Alias& a) { return a.of.expired() || a.alias.expired(); }),
                aliases.end());
  aliases.push_back({WeakTensor(parameter.getIntrusivePtr()), WeakTensor(alias.getIntrusivePtr())});
  return alias;
}

bool viewsFlat(const std::vector<at::Tensor*>& params, const at::Tensor& flat, const at::Tensor& flatGrad) {
  if (!flat.defined() || !flatGrad.defined()) return false;
  int64_t offset = 0;
  auto at = [](const at::Tensor& t, int64_t i) { return static_cast<char*>(t.data_ptr()) + i * t.element_size(); };
  for (at::Tensor* p : params) {
    const at::Tensor& g = p->grad();
    if (!g.defined() || offset + p->numel() > flat.numel() || p->data_ptr() != at(flat, offset) || g.data_ptr() != at(flatGrad, offset))
      return false;
    offset += p->numel();
  }
  return offset == flat.numel();
}

std::pair<at::Tensor, at::Tensor> flattenParameters(Module& module) {
  auto params = module.parameters();
  if (params.empty()) fail("getParameters(): the module has no parameters");
  if (viewsFlat(params, module.flatParams, module.flatGrads)) return {module.flatParams, module.flatGrads};
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
    // a channels-last weight stays channels-last: its slice holds it in N×H×W×C order
    bool nhwc = p->dim() == 4 && p->suggest_memory_format() == at::MemoryFormat::ChannelsLast;
    auto shaped = [&](const at::Tensor& slice) {
      return nhwc ? slice.view({p->size(0), p->size(2), p->size(3), p->size(1)}).permute({0, 3, 1, 2}) : slice.view(p->sizes());
    };
    at::Tensor view = shaped(flat.narrow(0, offset, n));
    view.copy_(*p);
    at::Tensor gradView = shaped(flatGrad.narrow(0, offset, n));
    at::Tensor grad = p->grad();
    if (grad.defined()) {
      // the gradient tensor itself moves into the flat gradient: a handle to it (gradWeight) follows
      gradView.copy_(grad);
      repointInPlace(grad, gradView);
    } else {
      grad = gradView;
    }
    // the parameter itself is re-pointed, as Torch7's set(): a graph recorded before (a forward
    // whose backward comes after getParameters()) accumulates into the flat gradient too
    repointAliases(*p, view);
    repointInPlace(*p, view);
    p->mutable_grad() = grad;  // autograd accumulates in place into the flat gradient
    offset += n;
  }
  module.flatParams = flat;
  module.flatGrads = flatGrad;
  return {flat, flatGrad};
}

}  // namespace nodetorch
