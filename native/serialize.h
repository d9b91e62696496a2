#pragma once
#include "common.h"

namespace nodetorch {
void registerSerialize(Napi::Env env, Napi::Object exports);
}
