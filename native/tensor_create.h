#pragma once
#include "common.h"

namespace nodetorch {
void registerTensorCreate(Napi::Env env, Napi::Object exports);
}
