// SpatialSubtractiveNormalization's arithmetic as one kernel each way on the CPU.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace nodetorch {

// The kernel of a local mean: kH×kW weights row by row (odd sizes), zero padding kH/2, kW/2; and
// where the caller keeps one, the same as a 1×1×kH×kW tensor in x's dtype and device (used off the
// CPU, so that no kernel is copied to the GPU per call).
struct LocalMeanKernel {
  std::vector<double> weights;
  int64_t kH, kW;
  // a separable kernel's factors (weights[a·kW + b] = columns[a]·rows[b]); empty for another
  std::vector<double> rows, columns;
  at::Tensor tensor;
};

// y_c = x_c − (K ⋆ Σ_c' x_c') / coef for N×C×H×W x, differentiable; coef (1×1×H×W, x's dtype and
// device) is K ⋆ Σ_c' 1, the border correction. On the CPU, for float, double, bfloat16 and float16
// x laid out NCHW or NHWC, one pass over x each way in x's layout; elsewhere ATen's channel sum,
// convolution, division and subtraction.
at::Tensor subtractLocalMean(const at::Tensor& x, const LocalMeanKernel& kernel, const at::Tensor& coef);

}  // namespace nodetorch
