// Torch7's resampling, pooling-to-size, reduction and normalisation layers, with its arguments
// (dimensions 1-based; nInputDims moves them past a batch dimension): SpatialUpSamplingNearest,
// SpatialUpSamplingBilinear (align_corners, as Torch7's), SpatialAdaptiveMaxPooling and
// SpatialAdaptiveAveragePooling, SpatialDropout (Torch7's: unscaled in training, × (1 − p) in
// evaluation), Mean, Sum, Max, Normalize, Transpose; and PyTorch's LayerNorm.
#include "nn_module.h"

namespace nodetorch {

namespace {

// Runs f on a batch: a single C×H×W sample as a batch of one.
template <typename F>
at::Tensor spatial(const std::string& who, const at::Tensor& x, F f) {
  if (x.dim() != 3 && x.dim() != 4) fail(who + " expects C×H×W or N×C×H×W input, got shape " + shapeString(x.sizes()));
  bool single = x.dim() == 3;
  at::Tensor y = f(single ? x.unsqueeze(0) : x);
  return single ? y.squeeze(0) : y;
}

struct UpSampling : Module {
  std::string name;
  int64_t scale, oheight, owidth;  // a scale, or (bilinear) a size when scale is 0
  UpSampling(std::string name, const Options& o)
      : name(std::move(name)), scale(o.integer("scale")), oheight(o.integer("oheight")), owidth(o.integer("owidth")) {}
  std::string type() const override { return name; }
  at::Tensor forward(const at::Tensor& x) override {
    return spatial(name, x, [&](const at::Tensor& b) {
      std::vector<int64_t> size =
          scale > 0 ? std::vector<int64_t>{b.size(2) * scale, b.size(3) * scale} : std::vector<int64_t>{oheight, owidth};
      if (name == "SpatialUpSamplingNearest") return at::upsample_nearest2d(b, size);
      return at::upsample_bilinear2d(b, size, /*align_corners=*/true);
    });
  }
};

struct AdaptivePooling : Module {
  std::string name;
  int64_t W, H;
  AdaptivePooling(std::string name, const Options& o) : name(std::move(name)), W(o.integer("W")), H(o.integer("H")) {}
  std::string type() const override { return name; }
  at::Tensor forward(const at::Tensor& x) override {
    return spatial(name, x, [&](const at::Tensor& b) {
      if (name == "SpatialAdaptiveMaxPooling") return std::get<0>(at::adaptive_max_pool2d(b, {H, W}));
      return at::adaptive_avg_pool2d(b, {H, W});
    });
  }
};

struct SpatialDropout : Module {
  double p;
  explicit SpatialDropout(double p) : p(p) {}
  std::string type() const override { return "SpatialDropout"; }
  at::Tensor forward(const at::Tensor& x) override {
    return spatial("SpatialDropout", x, [&](const at::Tensor& b) {
      if (!training) return b * (1 - p);
      at::Tensor keep;
      {
        at::NoGradGuard noGrad;
        keep = at::empty({b.size(0), b.size(1), 1, 1}, b.options().requires_grad(false)).bernoulli_(1 - p);
      }
      return b * keep;
    });
  }
};

// Mean, Sum (sizeAverage: a mean), Max over a 1-based dimension, which disappears.
struct Reduce : Module {
  std::string name;
  int64_t dim, nInputDims;
  bool sizeAverage;
  Reduce(std::string name, const Options& o, bool sizeAverage)
      : name(std::move(name)), dim(o.integer("dimension")), nInputDims(o.integer("nInputDims")), sizeAverage(sizeAverage) {}
  std::string type() const override { return name; }
  at::Tensor forward(const at::Tensor& x) override {
    int64_t d = torch7Dimension(name, dim, nInputDims, x);
    if (name == "Max") return std::get<0>(x.max(d));
    return sizeAverage ? x.mean(d) : x.sum(d);
  }
};

// Torch7's Normalize(p, eps = 1e-10): each vector (the last dimension) divided by (Σ|x|ᵖ + eps)^(1/p).
struct Normalize : Module {
  double p, eps;
  explicit Normalize(const Options& o) : p(o.number("p")), eps(o.number("eps")) {}
  std::string type() const override { return "Normalize"; }
  at::Tensor forward(const at::Tensor& x) override {
    if (x.dim() != 1 && x.dim() != 2) fail("Normalize expects a vector or an N×D batch, got shape " + shapeString(x.sizes()));
    return x / (x.abs().pow(p).sum(-1, true) + eps).pow(1 / p);
  }
};

// Torch7's Transpose({d1, d2}, …): the swaps, in order (1-based dimensions).
struct Transpose : Module {
  std::vector<double> pairs;
  explicit Transpose(const Options& o) : pairs(o.numbers("pairs")) {}
  std::string type() const override { return "Transpose"; }
  at::Tensor forward(const at::Tensor& x) override {
    at::Tensor y = x;
    for (size_t k = 0; k + 1 < pairs.size(); k += 2)
      y = y.transpose(torch7Dimension("Transpose", static_cast<int64_t>(pairs[k]), 0, y),
                      torch7Dimension("Transpose", static_cast<int64_t>(pairs[k + 1]), 0, y));
    return y;
  }
};

// PyTorch's LayerNorm(normalizedShape, eps = 1e-5, elementwiseAffine = true): over the last dimensions.
struct LayerNorm : Module {
  std::vector<int64_t> shape;
  double eps;
  bool affine;
  at::Tensor weight, bias;
  explicit LayerNorm(const Options& o) : eps(o.number("eps")), affine(o.flag("elementwiseAffine")) {
    for (double d : o.numbers("normalizedShape")) shape.push_back(static_cast<int64_t>(d));
    if (affine) {
      weight = at::ones(shape, at::kDouble);
      bias = at::zeros(shape, at::kDouble);
    }
  }
  std::string type() const override { return "LayerNorm"; }
  at::Tensor forward(const at::Tensor& x) override {
    int64_t n = static_cast<int64_t>(shape.size());
    if (x.dim() < n || !x.sizes().slice(x.dim() - n).equals(shape))
      fail("LayerNorm" + shapeString(shape) + " expects input whose last dimensions are " + shapeString(shape) + ", got shape " +
           shapeString(x.sizes()));
    return at::layer_norm(x, shape, weight, bias, eps);
  }
  std::vector<at::Tensor*> parameters() override {
    if (!affine) return {};
    return {&weight, &bias};
  }
};

NODETORCH_REGISTER_MODULE(SpatialUpSamplingNearest, "SpatialUpSamplingNearest",
                          [](const Options& o) -> ModulePtr { return std::make_shared<UpSampling>("SpatialUpSamplingNearest", o); });
NODETORCH_REGISTER_MODULE(SpatialUpSamplingBilinear, "SpatialUpSamplingBilinear",
                          [](const Options& o) -> ModulePtr { return std::make_shared<UpSampling>("SpatialUpSamplingBilinear", o); });
NODETORCH_REGISTER_MODULE(SpatialAdaptiveMaxPooling, "SpatialAdaptiveMaxPooling",
                          [](const Options& o) -> ModulePtr { return std::make_shared<AdaptivePooling>("SpatialAdaptiveMaxPooling", o); });
NODETORCH_REGISTER_MODULE(SpatialAdaptiveAveragePooling, "SpatialAdaptiveAveragePooling", [](const Options& o) -> ModulePtr {
  return std::make_shared<AdaptivePooling>("SpatialAdaptiveAveragePooling", o);
});
NODETORCH_REGISTER_MODULE(SpatialDropout, "SpatialDropout",
                          [](const Options& o) -> ModulePtr { return std::make_shared<SpatialDropout>(o.number("p")); });
NODETORCH_REGISTER_MODULE(Mean, "Mean", [](const Options& o) -> ModulePtr { return std::make_shared<Reduce>("Mean", o, true); });
NODETORCH_REGISTER_MODULE(Sum, "Sum",
                          [](const Options& o) -> ModulePtr { return std::make_shared<Reduce>("Sum", o, o.flag("sizeAverage")); });
NODETORCH_REGISTER_MODULE(Max, "Max", [](const Options& o) -> ModulePtr { return std::make_shared<Reduce>("Max", o, false); });
NODETORCH_REGISTER_MODULE(Normalize, "Normalize", [](const Options& o) -> ModulePtr { return std::make_shared<Normalize>(o); });
NODETORCH_REGISTER_MODULE(Transpose, "Transpose", [](const Options& o) -> ModulePtr { return std::make_shared<Transpose>(o); });
NODETORCH_REGISTER_MODULE(LayerNorm, "LayerNorm", [](const Options& o) -> ModulePtr { return std::make_shared<LayerNorm>(o); });

}  // namespace

}  // namespace nodetorch
