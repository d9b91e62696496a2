#pragma once
#include "common.h"

namespace nodetorch {
void registerTensorInfo(Napi::Env env, Napi::Object exports);
}
