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
        fail("BCECriterion: inputs must be probabilities in [0, 1] (end the model with nn.Sigmoid), got values in [" + std::to_string(lo) +
             ", " + std::to_string(hi) + "]");
    }
    constexpr double eps = 1e-12;
    return -(t * (x + eps).log() + (1 - t) * (1 - x + eps).log());
  }
};

template <typename C>
CriterionPtr make(const Options& o) {
  return std::make_shared<C>(o);
}

// PyTorch's BCEWithLogitsLoss (Torch7 had none): the binary cross-entropy of sigmoid(x), computed
// stably as max(x, 0) − x·t + log(1 + e^{−|x|}).
struct BCEWithLogitsCriterion : ElementwiseCriterion {
  using ElementwiseCriterion::ElementwiseCriterion;
  std::string type() const override { return "BCEWithLogitsCriterion"; }
  at::Tensor terms(const at::Tensor& x, const at::Tensor& t) override { return x.clamp_min(0) - x * t + at::log1p(at::exp(-x.abs())); }
};

// Torch7's DistKLDivCriterion: inputs are log-probabilities, targets probabilities; t·(log t − x),
// 0 where t is 0.
struct DistKLDivCriterion : ElementwiseCriterion {
  using ElementwiseCriterion::ElementwiseCriterion;
  std::string type() const override { return "DistKLDivCriterion"; }
  at::Tensor terms(const at::Tensor& x, const at::Tensor& t) override { return at::xlogy(t, t) - t * x; }
};

// Torch7's HingeEmbeddingCriterion(margin = 1): targets ±1; x where t = 1, max(0, margin − x) where t = −1.
struct HingeEmbeddingCriterion : ElementwiseCriterion {
  double margin;
  explicit HingeEmbeddingCriterion(const Options& o) : ElementwiseCriterion(o), margin(o.number("margin")) {}
  std::string type() const override { return "HingeEmbeddingCriterion"; }
  at::Tensor terms(const at::Tensor& x, const at::Tensor& t) override {
    if (!((t == 1) | (t == -1)).all().item<bool>()) fail("HingeEmbeddingCriterion: targets must be 1 or -1");
    return at::where(t > 0, x, (margin - x).clamp_min(0));
  }
};

// The pair criteria: the input is a table {x1, x2} of N values (or N×D), targets N values of ±1.
struct PairCriterion : Criterion {
  double margin;
  bool sizeAverage;
  explicit PairCriterion(const Options& o) : margin(o.number("margin")), sizeAverage(o.flag("sizeAverage")) {}
  virtual at::Tensor terms(const at::Tensor& x1, const at::Tensor& x2, const at::Tensor& y) = 0;
  at::Tensor loss(const at::Tensor& output, const at::Tensor&) override {
    fail(type() + " takes a table {x1, x2}, not a tensor of shape " + shapeString(output.sizes()));
  }
  at::Tensor tableLoss(const Value& output, const at::Tensor& target) override {
    if (output.isTensor() || output.list.size() != 2 || !output.list[0].isTensor() || !output.list[1].isTensor())
      fail(type() + " takes a table of two tensors {x1, x2}, got " + output.shape());
    const at::Tensor &x1 = output.list[0].tensor, &x2 = output.list[1].tensor;
    if (!x1.sizes().equals(x2.sizes())) fail(type() + ": x1 has shape " + shapeString(x1.sizes()) + " but x2 " + shapeString(x2.sizes()));
    int64_t n = x1.dim() <= 1 ? x1.numel() : x1.size(0);
    if (x1.dim() > 1 && type() == "MarginRankingCriterion") n = x1.numel();
    if (target.numel() != n) fail(type() + ": " + std::to_string(target.numel()) + " targets for " + std::to_string(n) + " pairs");
    at::Tensor y = target.to(x1.options().requires_grad(false)).reshape({-1});
    if (!((y == 1) | (y == -1)).all().item<bool>()) fail(type() + ": targets must be 1 or -1");
    at::Tensor sum = terms(x1, x2, y).sum();
    return sizeAverage ? sum / static_cast<double>(n) : sum;
  }
};

// Torch7's MarginRankingCriterion(margin = 0): max(0, −y·(x1 − x2) + margin).
struct MarginRankingCriterion : PairCriterion {
  using PairCriterion::PairCriterion;
  std::string type() const override { return "MarginRankingCriterion"; }
  at::Tensor terms(const at::Tensor& x1, const at::Tensor& x2, const at::Tensor& y) override {
    return (-y * (x1.reshape({-1}) - x2.reshape({-1})) + margin).clamp_min(0);
  }
};

// Torch7's CosineEmbeddingCriterion(margin = 0): 1 − cos(x1, x2) where y = 1, max(0, cos − margin)
// where y = −1; rows of N×D inputs (or one pair of vectors).
struct CosineEmbeddingCriterion : PairCriterion {
  using PairCriterion::PairCriterion;
  std::string type() const override { return "CosineEmbeddingCriterion"; }
  at::Tensor terms(const at::Tensor& x1, const at::Tensor& x2, const at::Tensor& y) override {
    at::Tensor a = x1.dim() == 1 ? x1.unsqueeze(0) : x1, b = x2.dim() == 1 ? x2.unsqueeze(0) : x2;
    // Torch7's ε (1e-12) inside the norms' squares
    at::Tensor cos = (a * b).sum(1) / ((a.square().sum(1) + 1e-12) * (b.square().sum(1) + 1e-12)).sqrt();
    return at::where(y > 0, 1 - cos, (cos - margin).clamp_min(0));
  }
};

NODETORCH_REGISTER_CRITERION(AbsCriterion, "AbsCriterion", make<AbsCriterion>);
NODETORCH_REGISTER_CRITERION(SmoothL1Criterion, "SmoothL1Criterion", make<SmoothL1Criterion>);
NODETORCH_REGISTER_CRITERION(BCECriterion, "BCECriterion", make<BCECriterion>);

NODETORCH_REGISTER_CRITERION(BCEWithLogitsCriterion, "BCEWithLogitsCriterion",
                             [](const Options& o) -> CriterionPtr { return std::make_shared<BCEWithLogitsCriterion>(o); });
NODETORCH_REGISTER_CRITERION(DistKLDivCriterion, "DistKLDivCriterion",
                             [](const Options& o) -> CriterionPtr { return std::make_shared<DistKLDivCriterion>(o); });
NODETORCH_REGISTER_CRITERION(HingeEmbeddingCriterion, "HingeEmbeddingCriterion",
                             [](const Options& o) -> CriterionPtr { return std::make_shared<HingeEmbeddingCriterion>(o); });
NODETORCH_REGISTER_CRITERION(MarginRankingCriterion, "MarginRankingCriterion",
                             [](const Options& o) -> CriterionPtr { return std::make_shared<MarginRankingCriterion>(o); });
NODETORCH_REGISTER_CRITERION(CosineEmbeddingCriterion, "CosineEmbeddingCriterion",
                             [](const Options& o) -> CriterionPtr { return std::make_shared<CosineEmbeddingCriterion>(o); });

}  // namespace

}  // namespace nodetorch
