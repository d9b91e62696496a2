// SpatialLPPooling's p = 2 arithmetic as one kernel each way on the CPU.
#pragma once

#include <torch/torch.h>

namespace nodetorch {

// y = sqrt(Σ_window x²) over kH×kW windows every dH, dW (floor mode, no padding), differentiable:
// Torch7's Square → SpatialAveragePooling → MulConstant(kW·kH) → Sqrt, with nn.Sqrt's gradient
// (0 where y = 0). On the CPU, for float, double, bfloat16 and float16 N×C×H×W input laid out NCHW
// or NHWC (channels-last), one pass over x forward and one backward, in x's layout; elsewhere
// (CUDA, other strides) the four ATen operations. x is 4-D.
at::Tensor lpPool2d(const at::Tensor& x, int64_t kH, int64_t kW, int64_t dH, int64_t dW);

}  // namespace nodetorch
