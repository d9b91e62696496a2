// A caching allocator for LibTorch's CPU tensors. A training step allocates and frees the same
// large buffers every minibatch (convolution columns, activations, their gradients). glibc serves
// blocks beyond its mmap threshold with fresh mappings and gives freed heap tops back to the
// kernel, so each batch faults its memory in again, page by page: measured on this project's
// 2-core VM, a batch-32 step of the study's convnet spent more than half its time in page faults
// (540,000 faults for 2,000 samples; a pass thread's malloc arena is worse off than the main
// thread's). Keeping freed blocks by size and handing them out again removes the churn: the same
// step ran about 3× faster. PyTorch's own CUDA allocator caches for the same reason.
//
// Each block carries its size in a 64-byte header in front of the data (which stays 64-aligned, as
// LibTorch's own allocator gives it). Blocks from 64 KiB to 256 MiB are cached (smaller ones stay with malloc, which reuses them well), up
// to a cap (NODETORCH_CPU_CACHE_MB, default 2048; 0 turns the cache off); emptyCache() frees them.
#include "addon_entries.h"

#include <c10/core/CPUAllocator.h>

#include <dlfcn.h>
#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

namespace nodetorch {

namespace {

constexpr size_t kHeader = 64;
constexpr size_t kSmallest = 64 << 10;
// Larger blocks go back to the system at once: a training or test step's buffers are smaller (the
// largest measured: 128 MB of double-precision convolution columns for a test batch of 100 samples,
// which faulted in afresh each batch made the study's -type double test pass 3× slower), while one-off
// temporaries of a whole dataset (hundreds of MB) would otherwise stay cached after use.
constexpr size_t kLargest = 256 << 20;

class CachingCpuAllocator final : public c10::Allocator {
 public:
  explicit CachingCpuAllocator(size_t cap) : cap_(cap) {}

  // LibTorch 1.13 declares allocate const, 2.x non-const: one of the two overrides it
  c10::DataPtr allocate(size_t n) const { return const_cast<CachingCpuAllocator*>(this)->take(n); }
  c10::DataPtr allocate(size_t n) { return take(n); }
  // 2.x: how to copy a block (Allocator::clone)
  void copy_data(void* dest, const void* src, std::size_t count) const { std::memcpy(dest, src, count); }
  // raw_allocate/raw_deallocate (oneDNN's scratch buffers) need a plain deleter of the data pointer
  c10::DeleterFnPtr raw_deleter() const override { return &give; }

  size_t cachedBytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_;
  }

  void emptyCache() {
    std::vector<void*> blocks;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto& [size, list] : free_) blocks.insert(blocks.end(), list.begin(), list.end());
      free_.clear();
      cached_ = 0;
    }
    for (void* block : blocks) std::free(block);
#ifdef __GLIBC__
    // Blocks below malloc's mmap threshold (which grows to 32 MB as large blocks are freed) go back
    // to its free lists, not to the system; trimming returns their pages.
    malloc_trim(0);
#endif
  }

  static CachingCpuAllocator* instance;

 private:
  // Sizes round up to whole pages (a 4 KiB step) so that batches of one shape meet the same block.
  static size_t rounded(size_t n) { return n < kSmallest ? n : (n + 4095) & ~static_cast<size_t>(4095); }

  c10::DataPtr take(size_t n) {
    if (n == 0) return {nullptr, nullptr, &give, c10::Device(c10::DeviceType::CPU)};
    size_t size = rounded(n);
    void* block = nullptr;
    if (size >= kSmallest && size <= kLargest) {
      // the smallest cached block that fits, if it is not more than twice the size (a last,
      // smaller batch then reuses a full batch's blocks instead of adding its own)
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.lower_bound(size);
      if (it != free_.end() && it->first <= 2 * size) {
        block = it->second.back();
        it->second.pop_back();
        cached_ -= it->first;
        if (it->second.empty()) free_.erase(it);
      }
    }
    if (block == nullptr) {
      if (posix_memalign(&block, kHeader, size + kHeader) != 0 || block == nullptr) {
        emptyCache();  // memory held for reuse is better spent here
        if (posix_memalign(&block, kHeader, size + kHeader) != 0 || block == nullptr)
          throw c10::OutOfMemoryError({__func__, __FILE__, static_cast<uint32_t>(__LINE__)},
                                      "not enough memory: cannot allocate " + std::to_string(n) + " bytes on the CPU");
      }
      *static_cast<size_t*>(block) = size;
    }
    void* data = static_cast<char*>(block) + kHeader;
    return {data, data, &give, c10::Device(c10::DeviceType::CPU)};
  }

  // The deleter of every block (given its data pointer): back to the cache while it has room, else
  // to malloc.
  static void give(void* data) {
    if (data == nullptr) return;
    void* block = static_cast<char*>(data) - kHeader;
    size_t size = *static_cast<size_t*>(block);
    CachingCpuAllocator* self = instance;
    if (size >= kSmallest && size <= kLargest) {
      std::lock_guard<std::mutex> lock(self->mutex_);
      if (self->cached_ + size <= self->cap_) {
        self->free_[size].push_back(block);
        self->cached_ += size;
        return;
      }
    }
    std::free(block);
  }

  std::mutex mutex_;
  std::map<size_t, std::vector<void*>> free_;
  size_t cached_ = 0;
  const size_t cap_;
};

CachingCpuAllocator* CachingCpuAllocator::instance = nullptr;

size_t cacheCapFromEnvironment() {
  const char* text = std::getenv("NODETORCH_CPU_CACHE_MB");
  long mb = text && *text ? std::strtol(text, nullptr, 10) : 2048;
  return mb > 0 ? static_cast<size_t>(mb) << 20 : 0;
}

// cpuCache() → { enabled, cachedBytes, capBytes }
Napi::Value cpuCache(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  CachingCpuAllocator* a = CachingCpuAllocator::instance;
  out.Set("enabled", Napi::Boolean::New(env, a != nullptr));
  out.Set("cachedBytes", Napi::Number::New(env, a ? static_cast<double>(a->cachedBytes()) : 0));
  out.Set("capBytes", Napi::Number::New(env, static_cast<double>(cacheCapFromEnvironment())));
  return out;
}

// emptyCache(): frees the blocks the cache holds (tensors in use keep theirs)
Napi::Value emptyCache(const Napi::CallbackInfo& info) {
  if (CachingCpuAllocator::instance) CachingCpuAllocator::instance->emptyCache();
  return info.Env().Undefined();
}

// mallocInUse() → bytes glibc's malloc has handed out and not had back, over all arenas and its
// mmap'ed chunks (mallinfo2's uordblks + hblkhd), or undefined where the C library does not say.
// Unlike RSS it does not move with arena growth or page reuse, so a leak check can be exact.
// mallinfo2 (glibc ≥ 2.33) is looked up at run time, so that the addon still loads on older C
// libraries; its struct is mirrored because older headers do not declare it.
struct MallInfo2 {
  size_t arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
};

Napi::Value mallocInUse(const Napi::CallbackInfo& info) {
  using MallInfo2Fn = MallInfo2 (*)();
  static const auto mallinfo2 = reinterpret_cast<MallInfo2Fn>(dlsym(RTLD_DEFAULT, "mallinfo2"));
  if (mallinfo2 == nullptr) return info.Env().Undefined();
  MallInfo2 m = mallinfo2();
  return Napi::Number::New(info.Env(), static_cast<double>(m.uordblks + m.hblkhd));
}

}  // namespace

void registerAddonAllocator(Napi::Env env, Napi::Object exports) {
  // once per process (the addon may load in several worker threads); never freed: blocks given out
  // before exit are returned to it until the very end
  static std::once_flag installed;
  std::call_once(installed, []() {
    size_t cap = cacheCapFromEnvironment();
    if (cap == 0) return;
    CachingCpuAllocator::instance = new CachingCpuAllocator(cap);
    c10::SetCPUAllocator(CachingCpuAllocator::instance, /*priority=*/10);
  });
  static const std::vector<Entry> entries = {
      {"cpuCache", cpuCache},
      {"emptyCache", emptyCache},
      {"mallocInUse", mallocInUse},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
