// A tensor as JavaScript holds it: a type-tagged External owning an at::Tensor. dispose()
// frees the tensor at once; the GC finalizer is only a backstop. Live counts and bytes are
// kept per environment and reported to V8 so that native memory pressures its GC.
#pragma once
#include "common.h"

namespace nodetorch {

Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor);
// The tensor behind argument i; a clear error if it is not a tensor or was disposed.
at::Tensor& tensorArg(const Napi::CallbackInfo& info, size_t i, const char* what);
at::Tensor& tensorValue(Napi::Env env, Napi::Value value, const std::string& what);
// Disposes the handle's tensor; returns false if it already was.
bool disposeHandle(Napi::Env env, Napi::Value value);
bool isDisposedHandle(Napi::Env env, Napi::Value value);

}  // namespace nodetorch
