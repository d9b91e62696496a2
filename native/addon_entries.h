// Every file's registration of its JavaScript entry points; addon.cc calls them all.
#pragma once
#include "common.h"

namespace nodetorch {
void registerAddonRuntime(Napi::Env env, Napi::Object exports);    // addon_runtime.cc
void registerAddonAllocator(Napi::Env env, Napi::Object exports);  // addon_allocator.cc
void registerTensorHandle(Napi::Env env, Napi::Object exports);    // tensor_handle.cc
void registerTensorCreate(Napi::Env env, Napi::Object exports);    // tensor_create.cc
void registerTensorRandom(Napi::Env env, Napi::Object exports);    // tensor_random.cc
void registerTensorInfo(Napi::Env env, Napi::Object exports);      // tensor_info.cc
void registerTensorInPlace(Napi::Env env, Napi::Object exports);   // tensor_inplace.cc
void registerTensorShape(Napi::Env env, Napi::Object exports);     // tensor_shape.cc
void registerTensorAutograd(Napi::Env env, Napi::Object exports);  // tensor_autograd.cc
void registerTensorArchive(Napi::Env env, Napi::Object exports);   // tensor_archive.cc
void registerTensorPickle(Napi::Env env, Napi::Object exports);    // tensor_pickle.cc
void registerTensorOps(Napi::Env env, Napi::Object exports);       // tensor_ops.cc
void registerTensorShare(Napi::Env env, Napi::Object exports);     // tensor_share.cc
void registerNnModuleApi(Napi::Env env, Napi::Object exports);     // nn_module_api.cc
void registerNnGradcheck(Napi::Env env, Napi::Object exports);     // nn_gradcheck.cc
void registerNnJsModule(Napi::Env env, Napi::Object exports);      // nn_jsmodule.cc
void registerOptimApi(Napi::Env env, Napi::Object exports);        // optim_api.cc
void registerTrainPass(Napi::Env env, Napi::Object exports);       // train_pass.cc
void registerTrainAugment(Napi::Env env, Napi::Object exports);    // train_augment.cc
void registerTrainSchedule(Napi::Env env, Napi::Object exports);   // train_schedule.cc
void registerDistGroup(Napi::Env env, Napi::Object exports);       // dist_group.cc
}  // namespace nodetorch
