// Torch7's element-wise regression criteria: AbsCriterion (L1), SmoothL1Criterion and
// BCECriterion. Targets are real values with as many elements as the input (reshaped to it); the
// loss sums a per-element term, divided by the number of elements when sizeAverage (Torch7's
// default). Gradients come from autograd.
#include "nn_module.h"

namespace nodetorch {

namespace {

struct ElementwiseCriterion : Criterion {
  bool sizeAverage;
  explicit ElementwiseCriterion(const Options& o) : sizeAverage(o.flag("sizeAverage")) {}
  // The per-element loss, input and target of the same shape.
  virtual at::Tensor terms(const at::Tensor& x, const at::Tensor& t) = 0;

  at::Tensor summed(const at::Tensor& output, const at::Tensor& target) {
    if (!at::isFloatingType(target.scalar_type()))
      fail(type() + ": targets must be real values (a float tensor), got " + std::string(c10::toString(target.scalar_type())));
    if (target.numel() != output.numel())
      fail(type() + ": " + std::to_string(target.numel()) + " target values for an input of shape " + shapeString(output.sizes()));
    return terms(output, target.to(output.options().requires_grad(false)).view(output.sizes())).sum();
  }
  at::Tensor loss(const at::Tensor& output, const at::Tensor& target) override {
    at::Tensor sum = summed(output, target);
    return sizeAverage ? sum / static_cast<double>(output.numel()) : sum;
  }
  at::Tensor sampleMeanLoss(const at::Tensor& output, const at::Tensor& target) override {
    int64_t n = output.dim() <= 1 ? 1 : output.size(0);
    at::Tensor sum = summed(output, target) / static_cast<double>(n);
    return sizeAverage ? sum / static_cast<double>(output.numel() / n) : sum;
  }
};

// |x − t|
struct AbsCriterion : ElementwiseCriterion {
  using ElementwiseCriterion::ElementwiseCriterion;
  std::string type() const override { return "AbsCriterion"; }
  at::Tensor terms(const at::Tensor& x, const at::Tensor& t) override { return (x - t).abs(); }
};

// ½(x − t)² where |x − t| < 1, else |x − t| − ½
struct SmoothL1Criterion : ElementwiseCriterion {
  using ElementwiseCriterion::ElementwiseCriterion;
  std::string type() const override { return "SmoothL1Criterion"; }
  at::Tensor terms(const at::Tensor& x, const at::Tensor& t) override {
    at::Tensor d = (x - t).abs();
    return at::where(d < 1, d.square() * 0.5, d - 0.5);
  }
};

// −[t·log(x + ε) + (1 − t)·log(1 − x + ε)], ε = 1e-12 as Torch7; inputs are probabilities.
struct BCECriterion : ElementwiseCriterion {
  using ElementwiseCriterion::ElementwiseCriterion;
  std::string type() const override { return "BCECriterion"; }
  at::Tensor terms(const at::Tensor& x, const at::Tensor& t) override {
    if (x.numel() > 0) {
      double lo = x.min().item<double>(), hi = x.max().item<double>();
      if (!(lo >= 0 && hi <= 1))
        fail("BCECriterion: inputs must be probabilities in [0, 1] (end the model with nn.Sigmoid), got values in [" +
             std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    constexpr double eps = 1e-12;
    return -(t * (x + eps).log() + (1 - t) * (1 - x + eps).log());
  }
};

template <typename C>
CriterionPtr make(const Options& o) {
  return std::make_shared<C>(o);
}

NODETORCH_REGISTER_CRITERION(AbsCriterion, "AbsCriterion", make<AbsCriterion>);
NODETORCH_REGISTER_CRITERION(SmoothL1Criterion, "SmoothL1Criterion", make<SmoothL1Criterion>);
NODETORCH_REGISTER_CRITERION(BCECriterion, "BCECriterion", make<BCECriterion>);

}  // namespace

}  // namespace nodetorch
