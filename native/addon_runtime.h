#pragma once
#include "common.h"

namespace nodetorch {
// Throws a Napi::Error when the LibTorch loaded in this process is not the one the addon was
// compiled against (a mixed install would otherwise deadlock or corrupt memory on first use).
void checkLoadedLibTorch(Napi::Env env);
// Whether libtorch_cuda is loaded: a CUDA LibTorch, whether or not a GPU is visible.
bool libtorchHasCuda();
}  // namespace nodetorch
