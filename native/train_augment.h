// Data augmentation of image batches, on the batch's own device: Torch7's image.rotate (nearest,
// the study's, and bilinear) by per-sample angles, and additive Gaussian noise.
#pragma once
#include "common.h"

namespace nodetorch {

enum class RotateMode { Nearest, Bilinear };

// Rotates each image of x (N×C×H×W) by angles[n] radians about ((W−1)/2, (H−1)/2); pixels from
// outside the source are 0.
at::Tensor rotateImages(const at::Tensor& x, const at::Tensor& angles, RotateMode mode);

struct Augmentation {
  enum class Kind { Rotate, Noise } kind;
  double std;
  RotateMode mode = RotateMode::Nearest;
};

// Applies the augmentations in order to a batch (training passes), drawing from the global
// generator on the CPU so that a seed gives the same draws on every device.
at::Tensor augmentBatch(const at::Tensor& x, const std::vector<Augmentation>& augmentations);
std::vector<Augmentation> augmentationsFrom(Napi::Value list);

}  // namespace nodetorch
