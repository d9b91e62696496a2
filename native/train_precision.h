// Mixed precision for the native loop: LibTorch's autocast around the forward pass and the loss
// (float32 master weights stay as they are), and for float16 a dynamic loss scale, as PyTorch's
// torch.autocast and torch.amp.GradScaler. The autocast API changed in LibTorch 2.4; both spellings
// live in train_precision.cc only.
#pragma once

#include <torch/torch.h>

namespace nodetorch {

// Autocast on `device` to `dtype` for the scope's life (nothing when dtype is undefined, i.e.
// float32 training). Leaving the outermost scope clears autocast's cache of cast weights.
class AutocastScope {
 public:
  AutocastScope(at::DeviceType device, c10::optional<at::ScalarType> dtype);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  at::DeviceType device_;
  bool active_ = false, wasEnabled_ = false;
  at::ScalarType previousDtype_ = at::kFloat;
};

// A thread's autocast dtypes (CPU and CUDA). A call handed to another thread takes the caller's
// thread-local state along with at::ThreadLocalState, which holds whether autocast is on (as
// dispatch keys) but holds the dtypes only from LibTorch 2.x on; these carry them on both.
struct AutocastDtypes {
  at::ScalarType cpu, cuda;
};
AutocastDtypes currentAutocastDtypes();

// Sets this thread's autocast dtypes for the scope's life.
class AutocastDtypesGuard {
 public:
  explicit AutocastDtypesGuard(const AutocastDtypes& dtypes);
  ~AutocastDtypesGuard();
  AutocastDtypesGuard(const AutocastDtypesGuard&) = delete;
  AutocastDtypesGuard& operator=(const AutocastDtypesGuard&) = delete;

 private:
  AutocastDtypes previous_;
};

// Fails, naming this LibTorch and what to use instead, unless it autocasts `dtype` on `device`
// (float16 on the CPU needs LibTorch 2.x).
void checkAutocastSupported(at::DeviceType device, at::ScalarType dtype);

// PyTorch's GradScaler: the loss is multiplied by `scale` before backward and the gradients divided
// by it after; a step whose gradients hold inf or NaN is skipped and halves the scale, and every
// `growthInterval` good steps in a row double it.
struct LossScale {
  double scale = 65536.0;
  int64_t goodSteps = 0;  // PyTorch's growth tracker
  double growthFactor = 2.0, backoffFactor = 0.5;
  int64_t growthInterval = 2000;
  void update(bool foundInf) {
    if (foundInf) {
      scale *= backoffFactor;
      goodSteps = 0;
    } else if (++goodSteps == growthInterval) {
      scale *= growthFactor;
      goodSteps = 0;
    }
  }
};

// Thrown by an evaluation whose scaled gradients overflowed: the step is skipped.
struct SkippedStep {};

}  // namespace nodetorch
