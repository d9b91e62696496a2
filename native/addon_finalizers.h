// When the native memory of a collected JavaScript handle is freed: inside the garbage collection
// where Node offers it, else on the event loop (see addon_finalizers.cc).
#pragma once
#include <napi.h>

namespace nodetorch {

// The Node-API version this addon registers with (node_api_module_get_api_version_v1).
int32_t moduleApiVersion();

// True when Node runs this addon's finalizers inside the garbage collection: a finalizer may then
// only free native memory and call Node-API's "basic" functions (no JavaScript, no handles).
bool finalizersRunInGc();

// Runs `finalize(data)` where any finalizer could run before: now, or, when finalizers run inside
// the collection, after it on the event loop (node_api_post_finalizer).
void freeAfterGc(napi_env env, napi_finalize finalize, void* data);

}  // namespace nodetorch
