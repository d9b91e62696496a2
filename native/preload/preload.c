// nodetorch-preload.node: loads a LibTorch's libraries by absolute path, with RTLD_GLOBAL, before
// the nodetorch addon is required. The addon names its LibTorch libraries by soname alone (a
// prebuild carries no path that only the build machine has), and the dynamic linker resolves those
// names to libraries already loaded; so a prebuild runs against a LibTorch wherever it lies (the
// download cache, a pip torch, an unpacked archive). Plain C against Node-API only: it links
// nothing, so it loads before any LibTorch is there.
#include <dlfcn.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>

static napi_value throwError(napi_env env, const char* message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

// preload(paths: string[]): dlopen each, in order; throws with dlerror()'s text on the first failure.
static napi_value preload(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value list;
  uint32_t count = 0;
  if (napi_get_cb_info(env, info, &argc, &list, NULL, NULL) != napi_ok || argc != 1 || napi_get_array_length(env, list, &count) != napi_ok)
    return throwError(env, "preload(paths): expected an array of library paths");
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    char file[4096];
    size_t length = 0;
    if (napi_get_element(env, list, i, &item) != napi_ok || napi_get_value_string_utf8(env, item, file, sizeof file, &length) != napi_ok ||
        length + 1 >= sizeof file)
      return throwError(env, "preload(paths): each path must be a string shorter than 4096 bytes");
    if (dlopen(file, RTLD_NOW | RTLD_GLOBAL) == NULL) {
      const char* reason = dlerror();
      return throwError(env, reason != NULL ? reason : file);
    }
  }
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "preload", NAPI_AUTO_LENGTH, preload, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "preload", fn) != napi_ok)
    return NULL;
  return exports;
}
