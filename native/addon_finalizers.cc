// A tensor handle that JavaScript drops holds native memory that V8 cannot see except through
// napi_adjust_external_memory. Node-API (version 8) queues every finalizer and runs the queue only
// when the event loop turns, so a synchronous loop of untidied tensor ops kept every tensor alive
// until it yielded: 40,001 tensors for 10,000 iterations, however often V8 collected.
//
// Node versions that export node_api_post_finalizer (Node 20.20 does) run the finalizers of a
// module that registers with NAPI_VERSION_EXPERIMENTAL inside the collection itself ("pure"
// finalizers), and node_api_post_finalizer defers work that must wait until the collection ends. We register that way
// only where the running Node has that function (looked up at load, so one binary serves every
// Node >= 18), and then:
// - a tensor handle's finalizer frees its LibTorch tensor at once (tensor_handle.cc: it only drops
//   a reference count and calls napi_get_instance_data / napi_adjust_external_memory, both
//   "basic"), so memory follows the collector;
// - every other handle (modules, criteria, optimizers, process groups, snapshots), whose
//   destructors may release references or thread-safe functions, is freed after the collection
//   through node_api_post_finalizer, exactly when Node-API 8 freed it.
// NODETORCH_GC_FINALIZERS=0 keeps Node-API 8's queue everywhere (an escape hatch, not a tuning knob).
#include "addon_finalizers.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>

namespace nodetorch {

namespace {

using PostFinalizer = napi_status (*)(napi_env, napi_finalize, void*, void*);

PostFinalizer findPostFinalizer() {
  const char* setting = std::getenv("NODETORCH_GC_FINALIZERS");
  if (setting != nullptr && std::strcmp(setting, "0") == 0) return nullptr;
  return reinterpret_cast<PostFinalizer>(dlsym(RTLD_DEFAULT, "node_api_post_finalizer"));
}

// Decided once, before Node asks for the module's version, and never changed afterwards.
const PostFinalizer postFinalizer = findPostFinalizer();

}  // namespace

int32_t moduleApiVersion() { return postFinalizer != nullptr ? NAPI_VERSION_EXPERIMENTAL : NAPI_VERSION; }

bool finalizersRunInGc() { return postFinalizer != nullptr; }

void freeAfterGc(napi_env env, napi_finalize finalize, void* data) {
  if (postFinalizer == nullptr || postFinalizer(env, finalize, data, nullptr) != napi_ok) finalize(env, data, nullptr);
}

}  // namespace nodetorch
