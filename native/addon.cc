// Registers every export; the concepts live in their own files (addon_entries.h lists them).
#include "addon_entries.h"
#include "addon_finalizers.h"
#include "addon_runtime.h"
#include "addon_warnings.h"

namespace nodetorch {

// init({ TorchError }): the TypeScript layer hands over its error class once per environment.
static Napi::Value init(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsObject()) fail("init expects { TorchError }");
  Napi::Value ctor = info[0].As<Napi::Object>().Get("TorchError");
  if (!ctor.IsFunction()) fail("init expects { TorchError } to be a class");
  addonData(info.Env()).torchError = Napi::Persistent(ctor.As<Napi::Function>());
  return info.Env().Undefined();
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  checkLoadedLibTorch(env);  // before anything touches LibTorch
  skipErrorBacktraces();     // LibTorch's errors cost no C++ backtrace (engine.cc)
  useOneComputeThread();     // this environment's JavaScript thread (passes use setNumThreads' count)
  collectWarnings();         // LibTorch's warnings on this thread become process warnings
  static const std::vector<Entry> entries = {{"init", init}};
  registerEntries(env, exports, entries);
  registerAddonAllocator(env, exports);
  registerAddonRuntime(env, exports);
  registerTensorHandle(env, exports);
  registerTensorCreate(env, exports);
  registerTensorRandom(env, exports);
  registerTensorInfo(env, exports);
  registerTensorInPlace(env, exports);
  registerTensorShape(env, exports);
  registerTensorAutograd(env, exports);
  registerTensorArchive(env, exports);
  registerTensorPickle(env, exports);
  registerTensorOps(env, exports);
  registerTensorShare(env, exports);
  registerNnModuleApi(env, exports);
  registerNnGradcheck(env, exports);
  registerOptimApi(env, exports);
  registerTrainPass(env, exports);
  registerNnJsModule(env, exports);
  registerTrainAugment(env, exports);
  registerTrainSchedule(env, exports);
  registerDistGroup(env, exports);
  return exports;
}

}  // namespace nodetorch

static Napi::Object InitNodetorch(Napi::Env env, Napi::Object exports) {
  try {
    return nodetorch::Init(env, exports);
  } catch (const Napi::Error& error) {
    nodetorch::raiseInJavaScript(env, error);  // as every entry point: a worker terminated mid-load must not abort
    return exports;
  }
}

// NODE_API_MODULE's two exports, with the version chosen at load (addon_finalizers.cc).
extern "C" {
NAPI_MODULE_EXPORT int32_t node_api_module_get_api_version_v1(void) { return nodetorch::moduleApiVersion(); }
NAPI_MODULE_EXPORT napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  return Napi::RegisterModule(env, exports, InitNodetorch);
}
}
