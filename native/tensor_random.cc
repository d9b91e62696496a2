// The random generator: seeding, and its state for checkpoints (shuffling and augmentation draw
// from the CPU generator).
#include <mutex>

#include "addon_entries.h"
#include "tensor_handle.h"

namespace nodetorch {

namespace {

Napi::Value manualSeed(const Napi::CallbackInfo& info) {
  torch::manual_seed(static_cast<uint64_t>(intArg(info, 0, "seed")));
  return info.Env().Undefined();
}

// rngState() / setRngState(t): the CPU generator's state (shuffling and augmentation draw from it),
// so that a checkpoint resumes with the same random stream.
Napi::Value rngState(const Napi::CallbackInfo& info) {
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return wrapTensor(info.Env(), gen.get_state());
}

Napi::Value setRngState(const Napi::CallbackInfo& info) {
  at::Tensor& state = tensorArg(info, 0, "generator state");
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
  return info.Env().Undefined();
}

}  // namespace

void registerTensorRandom(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {
      {"manualSeed", manualSeed},
      {"rngState", rngState},
      {"setRngState", setRngState},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
