// Torch7's BatchNormalization (N×n) and SpatialBatchNormalization (N×C×H×W), from its
// nn/BatchNormalization.lua: in training, each feature (channel) is normalised by its batch mean
// and biased variance, and running estimates move by momentum (mean, and the unbiased variance);
// in evaluation, the running estimates are used. eps 1e-5, momentum 0.1, affine (weight, bias) by
// default. As Torch7, the weight starts U(0, 1) and the bias 0 (PyTorch starts the weight at 1).
#include "nn_module.h"

namespace nodetorch {

namespace {

struct BatchNormalization : Module {
  std::string name;
  int64_t n, dims;  // features, and the input's dimensions as a batch (2 or 4)
  double eps, momentum;
  bool affine;
  at::Tensor weight, bias, runningMean, runningVar, batchesTracked;
  BatchNormalization(std::string name, int64_t dims, const Options& o)
      : name(std::move(name)),
        n(o.integer("nOutput")),
        dims(dims),
        eps(o.number("eps")),
        momentum(o.number("momentum")),
        affine(o.flag("affine")) {
    at::NoGradGuard noGrad;
    if (affine) {
      weight = at::empty({n}, at::kDouble).uniform_(0, 1);
      bias = at::zeros({n}, at::kDouble);
    }
    runningMean = at::zeros({n}, at::kDouble);
    runningVar = at::ones({n}, at::kDouble);
    batchesTracked = at::zeros({}, at::kLong);
  }
  std::string type() const override { return name; }
  at::Tensor forward(const at::Tensor& x) override {
    // a single sample (one dimension fewer) is a batch of one
    bool single = x.dim() == dims - 1;
    if ((x.dim() != dims && !single) || x.size(single ? 0 : 1) != n)
      fail(name + "(" + std::to_string(n) + ") expects " + (dims == 2 ? "N×" + std::to_string(n) : "N×" + std::to_string(n) + "×H×W") +
           " input, got shape " + shapeString(x.sizes()));
    at::Tensor batch = single ? x.unsqueeze(0) : x;
    if (training) {
      int64_t values = batch.numel() / n;
      if (values < 2)
        fail(name + " needs more than one value per feature to train (a batch of " + std::to_string(batch.size(0)) +
             "); use evaluate() for single samples");
      at::NoGradGuard noGrad;
      batchesTracked.add_(1);
    }
    at::Tensor y = at::batch_norm(batch, weight, bias, runningMean, runningVar, training, momentum, eps, true);
    return single ? y.squeeze(0) : y;
  }
  std::vector<at::Tensor*> parameters() override {
    if (!affine) return {};
    return {&weight, &bias};
  }
  std::vector<std::pair<std::string, at::Tensor*>> buffers() override {
    return {{"running_mean", &runningMean}, {"running_var", &runningVar}, {"num_batches_tracked", &batchesTracked}};
  }
};

NODETORCH_REGISTER_MODULE(BatchNormalization, "BatchNormalization",
                          [](const Options& o) -> ModulePtr { return std::make_shared<BatchNormalization>("BatchNormalization", 2, o); });
NODETORCH_REGISTER_MODULE(SpatialBatchNormalization, "SpatialBatchNormalization", [](const Options& o) -> ModulePtr {
  return std::make_shared<BatchNormalization>("SpatialBatchNormalization", 4, o);
});

}  // namespace

}  // namespace nodetorch
