#pragma once
#include "common.h"

namespace nodetorch {
void registerOptimClosure(Napi::Env env, Napi::Object exports);
}
