#pragma once
#include "common.h"

namespace nodetorch {
void registerAutograd(Napi::Env env, Napi::Object exports);
}
