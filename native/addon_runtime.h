#pragma once
#include "common.h"

namespace nodetorch {
// Throws a Napi::Error when the LibTorch loaded in this process is not the one the addon was
// compiled against (a mixed install would otherwise deadlock or corrupt memory on first use).
void checkLoadedLibTorch(Napi::Env env);
// Whether libtorch_cuda is loaded: a CUDA LibTorch, whether or not a GPU is visible.
bool libtorchHasCuda();
// The intra-op thread count of training and test passes (setNumThreads; default: the cores).
int passThreads();
// Makes the calling JavaScript thread compute with one intra-op thread (see addon_runtime.cc).
void useOneComputeThread();
// Sets the calling thread's intra-op thread count (OpenMP's count is per thread).
void setThisThreadsCount(int threads);
}  // namespace nodetorch
