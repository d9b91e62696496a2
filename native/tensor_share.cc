// Tensors across worker_threads without a copy: share() puts the tensor (a reference to its
// storage) in a process-wide registry under a number, which a worker passes to adoptShared() to get
// a tensor over the same memory. Every thread of the process sees the same LibTorch storages, and
// their reference counts are atomic, so the memory lives as long as any thread's tensor uses it.
#include <atomic>
#include <mutex>
#include <unordered_map>

#include "addon_entries.h"
#include "tensor_handle.h"

namespace nodetorch {

namespace {

std::mutex sharedMutex;
std::unordered_map<int64_t, at::Tensor>& sharedTensors() {
  static auto* tensors = new std::unordered_map<int64_t, at::Tensor>();  // never destroyed: workers may outlive main's statics
  return *tensors;
}
std::atomic<int64_t> nextSharedId{1};

// shareTensor(t) → id: the registry holds the tensor until one adoptShared(id) takes it.
Napi::Value shareTensor(const Napi::CallbackInfo& info) {
  at::Tensor t = tensorArg(info, 0, "tensor").detach();
  int64_t id = nextSharedId++;
  std::lock_guard<std::mutex> lock(sharedMutex);
  sharedTensors().emplace(id, std::move(t));
  return Napi::Number::New(info.Env(), static_cast<double>(id));
}

// adoptShared(id) → the shared tensor (the same memory), taken out of the registry.
Napi::Value adoptShared(const Napi::CallbackInfo& info) {
  int64_t id = intArg(info, 0, "shared tensor id");
  at::Tensor t;
  {
    std::lock_guard<std::mutex> lock(sharedMutex);
    auto found = sharedTensors().find(id);
    if (found == sharedTensors().end())
      fail("shared tensor #" + std::to_string(id) +
           " is not waiting: it was taken already (each share() is adopted once), or it comes from another process");
    t = std::move(found->second);
    sharedTensors().erase(found);
  }
  return wrapTensor(info.Env(), t);
}

// sharedWaiting() → how many shared tensors no thread has adopted yet.
Napi::Value sharedWaiting(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lock(sharedMutex);
  return Napi::Number::New(info.Env(), static_cast<double>(sharedTensors().size()));
}

}  // namespace

void registerTensorShare(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {
      {"shareTensor", shareTensor},
      {"adoptShared", adoptShared},
      {"sharedWaiting", sharedWaiting},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
