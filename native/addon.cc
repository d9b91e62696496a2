// Registers every export; the concepts live in their own files.
#include "augment.h"
#include "autograd.h"
#include "common.h"
#include "gradcheck.h"
#include "libtorch_info.h"
#include "module_api.h"
#include "optim_closure.h"
#include "optim_sgd.h"
#include "serialize.h"
#include "train_job.h"
#include "tensor_create.h"
#include "tensor_handle.h"
#include "tensor_info.h"
#include "tensor_math.h"
#include "tensor_shape.h"

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
  static const std::vector<Entry> entries = {{"init", init}};
  registerEntries(env, exports, entries);
  registerLibTorchInfo(env, exports);
  registerTensorHandle(env, exports);
  registerTensorCreate(env, exports);
  registerTensorInfo(env, exports);
  registerTensorMath(env, exports);
  registerTensorShape(env, exports);
  registerAutograd(env, exports);
  registerModuleApi(env, exports);
  registerOptimSgd(env, exports);
  registerOptimClosure(env, exports);
  registerTrainJob(env, exports);
  registerSerialize(env, exports);
  registerGradcheck(env, exports);
  registerAugment(env, exports);
  return exports;
}

}  // namespace nodetorch

static Napi::Object InitNodetorch(Napi::Env env, Napi::Object exports) { return nodetorch::Init(env, exports); }

NODE_API_MODULE(nodetorch, InitNodetorch)
