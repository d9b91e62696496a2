#include "addon_warnings.h"

#include <ATen/Version.h>

namespace nodetorch {

namespace {

thread_local std::vector<std::string> pending;

struct CollectingHandler : c10::WarningHandler {
#if TORCH_VERSION_MAJOR >= 2
  void process(const c10::Warning& warning) override { pending.push_back(warning.msg()); }
#else
  void process(const c10::SourceLocation&, const std::string& msg, const bool) override { pending.push_back(msg); }
#endif
};

CollectingHandler handler;

}  // namespace

void collectWarnings() {
#if TORCH_VERSION_MAJOR >= 2
  c10::WarningUtils::set_warning_handler(&handler);
#else
  c10::Warning::set_warning_handler(&handler);
#endif
}

std::vector<std::string> takeWarnings() {
  std::vector<std::string> out;
  out.swap(pending);
  return out;
}

void emitWarnings(Napi::Env env, const std::vector<std::string>& warnings) {
  AddonData& data = addonData(env);
  try {
    Napi::Object process = env.Global().Get("process").As<Napi::Object>();
    Napi::Function emit = process.Get("emitWarning").As<Napi::Function>();
    for (const std::string& message : warnings) {
      if (!data.warned.insert(message).second) continue;
      emit.Call(process, {Napi::String::New(env, message), Napi::String::New(env, "LibTorchWarning")});
    }
  } catch (const Napi::Error&) {
    // a warning that cannot be emitted (the environment is closing) is dropped, never fatal
  }
}

}  // namespace nodetorch
