// The spatial modules of the study's convnets: the poolings (SpatialMaxPooling,
// SpatialAveragePooling, SpatialLPPooling), SpatialSubtractiveNormalization and SpatialZeroPadding,
// with Torch7's exact semantics.
#include "nn_module.h"

#include "local_mean.h"
#include "lp_pool.h"

#include <mutex>

namespace nodetorch {

namespace {

void requireSpatial(const std::string& name, const at::Tensor& x) {
  if (x.dim() != 3 && x.dim() != 4) fail(name + " expects C×H×W or N×C×H×W input, got shape " + shapeString(x.sizes()));
}

void requireWindow(const std::string& name, const at::Tensor& x, int64_t kW, int64_t kH) {
  if (x.size(-2) < kH || x.size(-1) < kW)
    fail(name + ": window " + std::to_string(kW) + "×" + std::to_string(kH) + " is larger than the input " + shapeString(x.sizes()));
}

// SpatialMaxPooling / SpatialAveragePooling(kW, kH, dW, dH): floor mode, no padding, as Torch7.
struct SpatialPooling : Module {
  std::string name;
  int64_t kW, kH, dW, dH;
  SpatialPooling(std::string name, const Options& o)
      : name(std::move(name)), kW(o.integer("kW")), kH(o.integer("kH")), dW(o.integer("dW")), dH(o.integer("dH")) {}
  std::string type() const override { return name; }
  at::Tensor forward(const at::Tensor& x) override {
    requireSpatial(name, x);
    requireWindow(name, x, kW, kH);
    return name == "SpatialMaxPooling" ? at::max_pool2d(x, {kH, kW}, {dH, dW}) : at::avg_pool2d(x, {kH, kW}, {dH, dW});
  }
};

// SpatialLPPooling(nIn, p = 2, kW, kH, dW, dH) = Square → SpatialAveragePooling → MulConstant(kW·kH) → Sqrt.
// Only p = 2 (TypeScript refuses others).
struct SpatialLPPooling : Module {
  int64_t nIn, kW, kH, dW, dH;
  explicit SpatialLPPooling(const Options& o)
      : nIn(o.integer("nInputPlane")), kW(o.integer("kW")), kH(o.integer("kH")), dW(o.integer("dW")), dH(o.integer("dH")) {}
  std::string type() const override { return "SpatialLPPooling"; }
  at::Tensor forward(const at::Tensor& x) override {
    requireSpatial(type(), x);
    if (x.size(-3) != nIn) fail("SpatialLPPooling expects " + std::to_string(nIn) + " planes, got shape " + shapeString(x.sizes()));
    requireWindow(type(), x, kW, kH);
    if (x.dim() == 3) return lpPool2d(x.unsqueeze(0), kH, kW, dH, dW).squeeze(0);
    return lpPool2d(x, kH, kW, dH, dW);
  }
};

// y_c = x_c − Σ_c' K ⋆ x_c' / Σ_c' K ⋆ 1: one local mean over all planes, border-corrected by the
// same estimator applied to ones (a constant per input size, as Torch7: computed once per size,
// dtype and device, not per sample).
struct SpatialSubtractiveNormalization : Module {
  int64_t nIn;
  at::Tensor kernel2d;                            // 1×1×kH×kW (an outer product k⊗k for a 1-D kernel), float64
  std::vector<double> weights;                    // the same, row by row
  std::vector<double> rowFactors, columnFactors;  // for a 1-D kernel: weights = columnFactors ⊗ rowFactors
  int64_t padH, padW;
  // kernel: the values row by row, kernelRows rows (1 for a 1-D kernel); TypeScript checked that
  // the sizes are odd.
  explicit SpatialSubtractiveNormalization(const Options& o) : nIn(o.integer("nInputPlane")) {
    std::vector<double> kernel = o.numbers("kernel");
    int64_t rows = o.integer("kernelRows");
    int64_t cols = static_cast<int64_t>(kernel.size()) / rows;
    at::Tensor k = at::tensor(kernel, at::kDouble).view({rows, cols});
    if (rows == 1) {
      // separable 1-D kernel, as Torch7: k⊗k, kept as its factors too (scaled as kernel2d below)
      double sum = k.sum().item<double>();
      for (double v : kernel) {
        rowFactors.push_back(v / sum);
        columnFactors.push_back(v / (sum * static_cast<double>(nIn)));
      }
      k = k.view({cols, 1}).mm(k.view({1, cols}));
    }
    // Torch7 divides the kernel by sum·nInputPlane; the scale cancels in the border-corrected mean.
    kernel2d = (k / (k.sum() * static_cast<double>(nIn))).view({1, 1, k.size(0), k.size(1)});
    padH = k.size(0) / 2;
    padW = k.size(1) / 2;
    at::Tensor flat = kernel2d.reshape({-1}).contiguous();
    weights.assign(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel());
  }
  std::string type() const override { return "SpatialSubtractiveNormalization"; }
  at::Tensor forward(const at::Tensor& x) override {
    requireSpatial(type(), x);
    if (x.size(-3) != nIn)
      fail("SpatialSubtractiveNormalization expects " + std::to_string(nIn) + " planes, got shape " + shapeString(x.sizes()));
    bool single = x.dim() == 3;
    at::Tensor input = single ? x.unsqueeze(0) : x;
    Estimator e = estimator(input);
    at::Tensor y =
        subtractLocalMean(input, LocalMeanKernel{weights, kernel2d.size(2), kernel2d.size(3), rowFactors, columnFactors, e.kernel}, e.coef);
    return single ? y.squeeze(0) : y;
  }

 private:
  struct Estimator {
    at::Tensor kernel, coef;  // kernel2d in the input's dtype and device; the estimator applied to ones
  };
  std::mutex mutex_;  // a model may run on a pass's thread and on JavaScript's
  Estimator last_;

  Estimator estimator(const at::Tensor& input) {
    std::lock_guard<std::mutex> lock(mutex_);
    const at::Tensor& c = last_.coef;
    if (c.defined() && c.scalar_type() == input.scalar_type() && c.device() == input.device() && c.size(2) == input.size(2) &&
        c.size(3) == input.size(3))
      return last_;
    at::NoGradGuard noGrad;
    at::Tensor k = kernel2d.to(input.options().requires_grad(false));
    // Σ_c' of the plane-wise sums over ones in every plane
    at::Tensor coef =
        at::conv2d(at::full({1, 1, input.size(2), input.size(3)}, static_cast<double>(nIn), k.options()), k, {}, 1, {padH, padW});
    last_ = Estimator{k, coef};
    return last_;
  }
};

// SpatialZeroPadding(padLeft, padRight, padTop, padBottom); negative values crop, as Torch7.
struct SpatialZeroPadding : Module {
  int64_t l, r, t, b;
  explicit SpatialZeroPadding(const Options& o)
      : l(o.integer("padLeft")), r(o.integer("padRight")), t(o.integer("padTop")), b(o.integer("padBottom")) {}
  std::string type() const override { return "SpatialZeroPadding"; }
  at::Tensor forward(const at::Tensor& x) override {
    requireSpatial(type(), x);
    if (x.size(-1) + l + r <= 0 || x.size(-2) + t + b <= 0)
      fail("SpatialZeroPadding would crop the input " + shapeString(x.sizes()) + " to nothing");
    return at::constant_pad_nd(x, {l, r, t, b}, 0);
  }
};

template <typename M>
ModulePtr make(const Options& o) {
  return std::make_shared<M>(o);
}
NODETORCH_REGISTER_MODULE(SpatialMaxPooling, "SpatialMaxPooling",
                          [](const Options& o) -> ModulePtr { return std::make_shared<SpatialPooling>("SpatialMaxPooling", o); });
NODETORCH_REGISTER_MODULE(SpatialAveragePooling, "SpatialAveragePooling",
                          [](const Options& o) -> ModulePtr { return std::make_shared<SpatialPooling>("SpatialAveragePooling", o); });
NODETORCH_REGISTER_MODULE(SpatialLPPooling, "SpatialLPPooling", make<SpatialLPPooling>);
NODETORCH_REGISTER_MODULE(SpatialSubtractiveNormalization, "SpatialSubtractiveNormalization", make<SpatialSubtractiveNormalization>);
NODETORCH_REGISTER_MODULE(SpatialZeroPadding, "SpatialZeroPadding", make<SpatialZeroPadding>);

}  // namespace

}  // namespace nodetorch
