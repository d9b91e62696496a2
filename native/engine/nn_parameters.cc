// Torch7's getParameters(): every parameter (and its gradient) re-pointed into one flat vector, so
// that an optimizer updates the whole model in place as one tensor.
#include "nn_module.h"

namespace nodetorch {

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

}  // namespace nodetorch
