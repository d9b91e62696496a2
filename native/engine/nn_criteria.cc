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
    if (t.numel() != n) fail("ClassNLLCriterion: " + std::to_string(t.numel()) + " targets for " + std::to_string(n) + " outputs");
    try {
      return at::nll_loss(single ? output.unsqueeze(0) : output, t);  // mean over the batch (sizeAverage)
    } catch (const std::exception& e) {
      // LibTorch validates the targets inside the kernel (no extra pass here); say what was expected.
      fail("ClassNLLCriterion: targets must be class indices in [0, " + std::to_string(output.size(-1) - 1) + "] (" + reason(e) + ")");
    }
  }
};

// Targets: a float tensor shaped like the output, or class indices, which become Torch7's MNIST
// encoding for -loss mse (+1 at the class, −1 elsewhere).
at::Tensor mseTarget(const at::Tensor& output, const at::Tensor& target) {
  if (!at::isFloatingType(target.scalar_type())) {
    bool single = output.dim() == 1;
    at::Tensor t = target.to(output.device(), at::kLong).reshape({-1});
    int64_t classes = output.size(-1);
    if (t.numel() != (single ? 1 : output.size(0)))
      fail("MSECriterion: " + std::to_string(t.numel()) + " class targets for output shape " + shapeString(output.sizes()));
    if (t.numel() > 0 && (t.min().item<int64_t>() < 0 || t.max().item<int64_t>() >= classes))
      fail("MSECriterion: class targets must be in [0, " + std::to_string(classes - 1) + "]");
    at::Tensor encoded = at::full({t.numel(), classes}, -1.0, output.options().requires_grad(false));
    encoded.scatter_(1, t.view({-1, 1}), 1.0);
    return single ? encoded.view({classes}) : encoded;
  }
  if (!target.sizes().equals(output.sizes()))
    fail("MSECriterion: target shape " + shapeString(target.sizes()) + " does not match the input shape " + shapeString(output.sizes()));
  return target.to(output.options().requires_grad(false));
}

// loss = Σ (x − t)², divided by the number of elements when sizeAverage (Torch7's default).
struct MSECriterion : Criterion {
  bool sizeAverage;
  explicit MSECriterion(bool sizeAverage) : sizeAverage(sizeAverage) {}
  std::string type() const override { return "MSECriterion"; }
  at::Tensor loss(const at::Tensor& output, const at::Tensor& target) override {
    at::Tensor sq = (output - mseTarget(output, target)).square().sum();
    return sizeAverage ? sq / static_cast<double>(output.numel()) : sq;
  }
  at::Tensor sampleMeanLoss(const at::Tensor& output, const at::Tensor& target) override {
    int64_t n = output.dim() == 1 ? 1 : output.size(0);
    at::Tensor sq = (output - mseTarget(output, target)).square().sum() / static_cast<double>(n);
    return sizeAverage ? sq / static_cast<double>(output.numel() / n) : sq;
  }
};

// loss = (1/dim) Σ_{i≠y} w_y · max(0, margin − x[y] + x[i])^p, batches averaged when sizeAverage.
struct MultiMarginCriterion : Criterion {
  int64_t p;
  double margin;
  bool sizeAverage;
  at::Tensor weights;
  // p is 1 or 2 (TypeScript refuses others); no weights: every class weighs 1
  explicit MultiMarginCriterion(const Options& o) : p(o.integer("p")), margin(o.number("margin")), sizeAverage(o.flag("sizeAverage")) {
    std::vector<double> w = o.numbers("weights");
    if (!w.empty()) weights = at::tensor(w, at::kDouble);
  }
  std::string type() const override { return "MultiMarginCriterion"; }
  at::Tensor loss(const at::Tensor& output, const at::Tensor& target) override {
    bool single = output.dim() == 1;
    if (output.dim() != 1 && output.dim() != 2)
      fail("MultiMarginCriterion expects a vector or an N×C batch, got shape " + shapeString(output.sizes()));
    at::Tensor t = target.to(output.device(), at::kLong).reshape({-1});
    if (t.numel() != (single ? 1 : output.size(0)))
      fail("MultiMarginCriterion: " + std::to_string(t.numel()) + " targets for output shape " + shapeString(output.sizes()));
    at::Tensor w = weights.defined() ? weights.to(output.options().requires_grad(false)) : at::Tensor();
    if (w.defined() && w.numel() != output.size(-1))
      fail("MultiMarginCriterion: " + std::to_string(w.numel()) + " weights for " + std::to_string(output.size(-1)) + " classes");
    try {
      return at::multi_margin_loss(single ? output.unsqueeze(0) : output, t, p, margin, w,
                                   sizeAverage ? at::Reduction::Mean : at::Reduction::Sum);
    } catch (const std::exception& e) {
      fail("MultiMarginCriterion: targets must be class indices in [0, " + std::to_string(output.size(-1) - 1) + "] (" + reason(e) + ")");
    }
  }
  at::Tensor sampleMeanLoss(const at::Tensor& output, const at::Tensor& target) override {
    at::Tensor l = loss(output, target);
    return sizeAverage || output.dim() == 1 ? l : l / static_cast<double>(output.size(0));
  }
};

// Torch7's CrossEntropyCriterion(weights): LogSoftMax then ClassNLLCriterion, with optional class
// weights (a weighted mean over the batch: Σ w[t]·loss / Σ w[t], as Torch7's sizeAverage).
struct CrossEntropyCriterion : Criterion {
  at::Tensor weights;
  explicit CrossEntropyCriterion(const Options& o) {
    std::vector<double> w = o.numbers("weights");
    if (!w.empty()) weights = at::tensor(w, at::kDouble);
  }
  std::string type() const override { return "CrossEntropyCriterion"; }
  at::Tensor loss(const at::Tensor& output, const at::Tensor& target) override {
    bool single = output.dim() == 1;
    if (output.dim() != 1 && output.dim() != 2)
      fail("CrossEntropyCriterion expects a vector of scores or an N×C batch, got shape " + shapeString(output.sizes()));
    at::Tensor t = target.to(output.device(), at::kLong).reshape({-1});
    int64_t n = single ? 1 : output.size(0);
    if (t.numel() != n) fail("CrossEntropyCriterion: " + std::to_string(t.numel()) + " targets for " + std::to_string(n) + " outputs");
    at::Tensor w = weights.defined() ? weights.to(output.options().requires_grad(false)) : at::Tensor();
    if (w.defined() && w.numel() != output.size(-1))
      fail("CrossEntropyCriterion: " + std::to_string(w.numel()) + " weights for " + std::to_string(output.size(-1)) + " classes");
    try {
      return at::nll_loss(at::log_softmax(single ? output.unsqueeze(0) : output, 1), t, w);
    } catch (const std::exception& e) {
      fail("CrossEntropyCriterion: targets must be class indices in [0, " + std::to_string(output.size(-1) - 1) + "] (" + reason(e) + ")");
    }
  }
};

NODETORCH_REGISTER_CRITERION(CrossEntropyCriterion, "CrossEntropyCriterion",
                             [](const Options& o) -> CriterionPtr { return std::make_shared<CrossEntropyCriterion>(o); });
NODETORCH_REGISTER_CRITERION(ClassNLLCriterion, "ClassNLLCriterion",
                             [](const Options&) -> CriterionPtr { return std::make_shared<ClassNLLCriterion>(); });
NODETORCH_REGISTER_CRITERION(MSECriterion, "MSECriterion",
                             [](const Options& o) -> CriterionPtr { return std::make_shared<MSECriterion>(o.flag("sizeAverage")); });
NODETORCH_REGISTER_CRITERION(MultiMarginCriterion, "MultiMarginCriterion",
                             [](const Options& o) -> CriterionPtr { return std::make_shared<MultiMarginCriterion>(o); });

}  // namespace

}  // namespace nodetorch
