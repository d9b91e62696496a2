#pragma once
#include "common.h"

namespace nodetorch {
void registerTensorShape(Napi::Env env, Napi::Object exports);
}
