#pragma once
#include "common.h"

namespace nodetorch {
void registerTensorMath(Napi::Env env, Napi::Object exports);
}
