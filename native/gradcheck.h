#pragma once
#include "common.h"

namespace nodetorch {
void registerGradcheck(Napi::Env env, Napi::Object exports);
}
