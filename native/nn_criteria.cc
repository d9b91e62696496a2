// Criteria. Targets are 0-based class indices (LibTorch's convention; Torch7 used 1..n).
#include "nn_module.h"

namespace nodetorch {

namespace {

struct ClassNLLCriterion : Criterion {
  std::string type() const override { return "ClassNLLCriterion"; }
  at::Tensor loss(const at::Tensor& output, const at::Tensor& target) override {
    bool single = output.dim() == 1;
    if (output.dim() != 1 && output.dim() != 2)
      fail("ClassNLLCriterion expects a vector of log-probabilities or an N×C batch, got shape " + shapeString(output.sizes()));
    at::Tensor t = target.to(output.device(), at::kLong).reshape({-1});
    int64_t n = single ? 1 : output.size(0);
    if (t.numel() != n)
      fail("ClassNLLCriterion: " + std::to_string(t.numel()) + " targets for " + std::to_string(n) + " outputs");
    try {
      return at::nll_loss(single ? output.unsqueeze(0) : output, t);  // mean over the batch (sizeAverage)
    } catch (const std::exception& e) {
      // LibTorch validates the targets inside the kernel (no extra pass here); say what was expected.
      fail("ClassNLLCriterion: targets must be class indices in [0, " + std::to_string(output.size(-1) - 1) + "] (" + reason(e) + ")");
    }
  }
};

}  // namespace

CriterionPtr createCriterion(const std::string& type, const std::vector<double>& args) {
  (void)args;
  if (type == "ClassNLLCriterion") return std::make_shared<ClassNLLCriterion>();
  fail("unknown criterion type '" + type + "'");
}

}  // namespace nodetorch
