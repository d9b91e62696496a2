// Precompiled header: LibTorch's headers dominate compile time, so every source shares one parse.
#pragma once
#include <napi.h>
#include <torch/torch.h>
