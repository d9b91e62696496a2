#pragma once
#include "common.h"

namespace nodetorch {
void registerTrainJob(Napi::Env env, Napi::Object exports);
}
