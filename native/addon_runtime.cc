// The runtime the addon runs on: which LibTorch it was built against and which one the process
// actually loaded, LibTorch's thread count, and the CUDA devices it sees.
#include "addon_entries.h"
#include "addon_finalizers.h"
#include "addon_runtime.h"

#include <ATen/Version.h>
#include <dlfcn.h>
#include <link.h>

#include <atomic>

#include <regex>

namespace nodetorch {

namespace {

std::string compiledVersion() {
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." + std::to_string(TORCH_VERSION_PATCH);
}

// LibTorch has no version function, but its build settings (at::show_config, compiled into
// libtorch_cpu) name TORCH_VERSION in 1.13 and 2.x alike: this is the version really loaded.
std::string runtimeVersion() {
  static const std::regex pattern("TORCH_VERSION=([0-9]+\\.[0-9]+\\.[0-9]+)");
  std::smatch match;
  std::string config = at::show_config();
  return std::regex_search(config, match, pattern) ? match[1].str() : "unknown";
}

struct LoadedLibraries {
  std::string cpu;   // the libtorch_cpu file the dynamic linker mapped
  std::string cuda;  // libtorch_cuda, when this is a CUDA build
};

int collectLibrary(struct dl_phdr_info* info, size_t, void* data) {
  auto* loaded = static_cast<LoadedLibraries*>(data);
  std::string name = info->dlpi_name ? info->dlpi_name : "";
  std::string base = name.substr(name.rfind('/') + 1);
  if (base.rfind("libtorch_cpu.so", 0) == 0 && loaded->cpu.empty()) loaded->cpu = name;
  if (base.rfind("libtorch_cuda.so", 0) == 0 && loaded->cuda.empty()) loaded->cuda = name;
  return 0;
}

LoadedLibraries loadedLibraries() {
  LoadedLibraries loaded;
  dl_iterate_phdr(collectLibrary, &loaded);
  return loaded;
}

// LibTorch hands CPU matrix products (Linear, and convolutions outside oneDNN, double ones always)
// to the BLAS it was linked with: MKL inside the wheels, the system's OpenBLAS for Debian's
// LibTorch. OpenBLAS's OpenMP build runs them on LibTorch's own OpenMP threads (and follows each
// thread's count). Its pthreads build keeps a second pool, one thread per core, that spins
// (sched_yield) between calls: beside LibTorch's pool it oversubscribes the cores. Measured here
// with 2 threads, float, batch 32: 1,089 samples/s with that pool, 1,484 with OpenBLAS on one
// thread, 1,976 with the OpenMP build; double, batch 1: 11.3 ms a sample, 4.8 and 3.3.
struct OpenBlas {
  int (*parallel)() = nullptr;  // 0: sequential build, 1: pthreads, 2: OpenMP
  void (*setThreads)(int) = nullptr;
  int (*threads)() = nullptr;
  char* (*config)() = nullptr;
};

const OpenBlas& openBlas() {
  static const OpenBlas blas = [] {
    OpenBlas b;  // found in the addon's own scope: the OpenBLAS LibTorch linked, if any
    b.parallel = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
    b.setThreads = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    b.threads = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    b.config = reinterpret_cast<char* (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
    return b;
  }();
  return blas;
}

bool pthreadsOpenBlas() {
  const OpenBlas& b = openBlas();
  return b.parallel && b.setThreads && b.parallel() == 1;
}

// libtorchInfo().blas, e.g. "OpenBLAS (OpenMP build, 2 threads): OpenBLAS 0.3.21 …" or "MKL"
std::string blasName() {
  const OpenBlas& b = openBlas();
  if (!b.parallel) return at::hasMKL() ? "MKL" : "unknown";
  int mode = b.parallel();
  std::string build = mode == 2 ? "OpenMP build" : mode == 1 ? "pthreads build" : "sequential build";
  if (b.threads) {
    int threads = b.threads();
    build += ", " + std::to_string(threads) + (threads == 1 ? " thread" : " threads");
  }
  return "OpenBLAS (" + build + ")" + (b.config ? std::string(": ") + b.config() : std::string());
}

// libtorchInfo(): { version, runtimeVersion, library, cudaLibrary, cxx11Abi, blas, tensorsFreedInGc }
Napi::Value libtorchInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  LoadedLibraries loaded = loadedLibraries();
  Napi::Object out = Napi::Object::New(env);
  out.Set("version", compiledVersion());
  out.Set("runtimeVersion", runtimeVersion());
  out.Set("library", loaded.cpu);
  out.Set("cudaLibrary", loaded.cuda.empty() ? env.Null() : Napi::String::New(env, loaded.cuda));
  out.Set("cxx11Abi", Napi::Boolean::New(env, _GLIBCXX_USE_CXX11_ABI != 0));
  out.Set("blas", blasName());
  out.Set("tensorsFreedInGc", Napi::Boolean::New(env, finalizersRunInGc()));
  return out;
}

// Where LibTorch's parallel regions run. OpenMP (libgomp) keeps one pool of threads per thread
// that opens parallel regions, and counts every pool's threads together: once they outnumber the
// cores, it stops spinning between regions and puts threads to sleep on a futex instead. A JavaScript
// thread that had computed in parallel kept its own pool for good, so a pass on its own thread
// with the same count held twice as many threads as cores: batch-1 training then spent a fifth of
// its cycles in futex wake-ups (65 context switches per sample) and ran slower with 2 threads than
// with 1. So the JavaScript threads compute with one thread (no pool) and the passes' threads,
// which do the heavy work, with setNumThreads' count: one pool, as in a plain C++ loop.
std::atomic<int>& computeThreads() {
  static std::atomic<int> count{at::get_num_threads()};  // LibTorch's default: the cores
  return count;
}

// More threads than this is a typo, not a machine (and would overflow OpenMP's int).
constexpr int64_t kMaxThreads = 4096;

Napi::Value setNumThreads(const Napi::CallbackInfo& info) {
  int64_t n = intArg(info, 0, "thread count");
  if (n < 1 || n > kMaxThreads) fail("expected a thread count from 1 to " + std::to_string(kMaxThreads) + ", got " + std::to_string(n));
  computeThreads().store(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value getNumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), computeThreads().load()); }

Napi::Value cudaDeviceCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(torch::cuda::device_count()));
}

Napi::Value libtorchVersion(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), compiledVersion()); }

}  // namespace

bool libtorchHasCuda() { return !loadedLibraries().cuda.empty(); }

void checkLoadedLibTorch(Napi::Env env) {
  std::string runtime;
  try {
    runtime = runtimeVersion();
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("nodetorch: cannot read the loaded LibTorch's version: ") + e.what());
  }
  if (runtime == "unknown" || runtime == compiledVersion()) return;
  std::string library = loadedLibraries().cpu;
  throw Napi::Error::New(env, "nodetorch: this addon was built against LibTorch " + compiledVersion() +
                                  " but the process loaded LibTorch " + runtime + " (" +
                                  (library.empty() ? std::string("libtorch_cpu") : library) +
                                  "); rebuild against the LibTorch you use (npm run build), or remove what points at the other one "
                                  "(LD_LIBRARY_PATH, LD_PRELOAD)");
}

int passThreads() { return computeThreads().load(); }

void setThisThreadsCount(int threads) {
  // LibTorch sets a thread's count lazily, from a process-wide value, at its first parallel call:
  // run that first, or it would later overwrite the count set here.
  at::get_num_threads();
  at::internal::lazy_init_num_threads();
  at::set_num_threads(threads);
}

void useOneComputeThread() {
  computeThreads();  // read LibTorch's default before the JavaScript thread's count changes it
  setThisThreadsCount(1);
  // A pthreads OpenBLAS's pool would fight LibTorch's OpenMP pool for the cores (see OpenBlas):
  // its products run on the calling thread instead, while LibTorch's threads stay parallel.
  if (pthreadsOpenBlas()) openBlas().setThreads(1);
}

void registerAddonRuntime(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {
      {"libtorchVersion", libtorchVersion}, {"libtorchInfo", libtorchInfo},       {"setNumThreads", setNumThreads},
      {"getNumThreads", getNumThreads},     {"cudaDeviceCount", cudaDeviceCount},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
