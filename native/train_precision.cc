#include "train_precision.h"

#include "common.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace nodetorch {

// LibTorch 2.4 replaced the per-device functions (set_cpu_enabled, set_autocast_cpu_dtype,
// set_enabled for CUDA…) by ones that take the device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define NODETORCH_AUTOCAST_BY_DEVICE 1
#endif

namespace {

bool autocastEnabled(at::DeviceType device) {
#ifdef NODETORCH_AUTOCAST_BY_DEVICE
  return at::autocast::is_autocast_enabled(device);
#else
  return device == at::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

void setAutocastEnabled(at::DeviceType device, bool enabled) {
#ifdef NODETORCH_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_enabled(device, enabled);
#else
  if (device == at::kCUDA)
    at::autocast::set_enabled(enabled);
  else
    at::autocast::set_cpu_enabled(enabled);
#endif
}

at::ScalarType autocastDtype(at::DeviceType device) {
#ifdef NODETORCH_AUTOCAST_BY_DEVICE
  return at::autocast::get_autocast_dtype(device);
#else
  return device == at::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
}

void setAutocastDtype(at::DeviceType device, at::ScalarType dtype) {
#ifdef NODETORCH_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_dtype(device, dtype);
#else
  if (device == at::kCUDA)
    at::autocast::set_autocast_gpu_dtype(dtype);
  else
    at::autocast::set_autocast_cpu_dtype(dtype);
#endif
}

}  // namespace

void checkAutocastSupported(at::DeviceType device, at::ScalarType dtype) {
  bool sixteenBit = dtype == at::kHalf || dtype == at::kBFloat16;
#ifdef NODETORCH_AUTOCAST_BY_DEVICE
  bool supported = sixteenBit;
#else
  bool supported = device == at::kCUDA ? sixteenBit : dtype == at::kBFloat16;  // 1.13's CPU autocast knows bfloat16 only
#endif
  if (!supported)
    fail("this LibTorch (" + std::string(TORCH_VERSION) + ") has no " + dtypeName(dtype) + " autocast on the " +
         (device == at::kCUDA ? "GPU" : "CPU") +
         (dtype == at::kHalf ? "; on the CPU use precision 'bf16' (LibTorch 1.13's CPU autocast knows bfloat16 only)" : ""));
}

AutocastDtypes currentAutocastDtypes() { return {autocastDtype(at::kCPU), autocastDtype(at::kCUDA)}; }

AutocastDtypesGuard::AutocastDtypesGuard(const AutocastDtypes& dtypes) : previous_(currentAutocastDtypes()) {
  setAutocastDtype(at::kCPU, dtypes.cpu);
  setAutocastDtype(at::kCUDA, dtypes.cuda);
}

AutocastDtypesGuard::~AutocastDtypesGuard() {
  setAutocastDtype(at::kCPU, previous_.cpu);
  setAutocastDtype(at::kCUDA, previous_.cuda);
}

AutocastScope::AutocastScope(at::DeviceType device, c10::optional<at::ScalarType> dtype) : device_(device) {
  if (!dtype) return;
  wasEnabled_ = autocastEnabled(device);
  previousDtype_ = autocastDtype(device);
  setAutocastDtype(device, *dtype);
  setAutocastEnabled(device, true);
  at::autocast::increment_nesting();
  active_ = true;
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  // as torch.autocast's __exit__: the cache of cast weights lives as long as the outermost scope
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  setAutocastEnabled(device_, wasEnabled_);
  setAutocastDtype(device_, previousDtype_);
}

}  // namespace nodetorch
