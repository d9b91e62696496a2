// Type-tagged Externals for native objects other than tensors (modules, criteria, jobs): the
// tag guarantees that a JS value is really the object we expect before we touch its memory.
#pragma once
#include "addon_finalizers.h"
#include "common.h"

namespace nodetorch {

template <typename T>
Napi::Value wrapBoxed(Napi::Env env, T* object, const napi_type_tag& tag) {
  // after the collection: a destructor may release references and thread-safe functions
  auto handle = Napi::External<T>::New(env, object, [](Napi::Env env, T* o) {
    freeAfterGc(
        env, [](napi_env, void* data, void*) { delete static_cast<T*>(data); }, o);
  });
  napi_type_tag_object(env, handle, &tag);
  return handle;
}

template <typename T>
T* unboxed(Napi::Env env, Napi::Value value, const napi_type_tag& tag) {
  if (!value.IsExternal()) return nullptr;
  bool tagged = false;
  if (napi_check_object_type_tag(env, value, &tag, &tagged) != napi_ok || !tagged) return nullptr;
  return value.As<Napi::External<T>>().Data();
}

template <typename T>
T& boxedArg(const Napi::CallbackInfo& info, size_t i, const napi_type_tag& tag, const char* what) {
  T* object = info.Length() > i ? unboxed<T>(info.Env(), info[i], tag) : nullptr;
  if (object == nullptr) fail(std::string("expected ") + what + " (argument " + std::to_string(i + 1) + ")");
  return *object;
}

}  // namespace nodetorch
