// Modules written in TypeScript (`class M extends nn.Module`): a native proxy that holds the
// parameters and children the class registered and calls its JavaScript forward. Called on the
// JavaScript thread (a forward from JavaScript reaching it inside a container) it calls forward
// directly; called on a native pass's thread it hands the call to the JavaScript thread through a
// thread-safe function and waits, the pass thread's LibTorch state (grad mode, autocast, profiler)
// applied there for the call. The tensor operations forward makes record on the same autograd
// graph, so backward then runs entirely in C++.
#include "addon_entries.h"
#include "boxed.h"
#include "nn_module_api.h"
#include "tensor_handle.h"
#include "train_precision.h"

#include <ATen/ThreadLocalState.h>

#include <chrono>
#include <future>
#include <thread>

namespace nodetorch {

namespace {

// What moduleJsSnapshot returns: a forward's output tensors, held natively so that the JavaScript
// Tensors can be disposed (by tidy) as soon as forward returns.
struct ValueBox {
  Value value;
};
const napi_type_tag kSnapshotTag = {0x6e746a73736e6170ULL, 0x3d4e5f6071829304ULL};

struct JsModule : Module {
  // One call handed to the JavaScript thread; shared, because a cancelled pass stops waiting
  // while the call may still be queued.
  struct Call {
    Value input;
    bool grad = true;
    // the calling thread's: a forward under autocast or the profiler runs under it on either thread
    at::ThreadLocalState state;
    AutocastDtypes autocast = currentAutocastDtypes();
    Value output;
    std::string error;
    std::promise<void> done;
  };

  std::string className;
  std::vector<std::pair<std::string, at::Tensor>> own;  // registered parameters, in order
  std::vector<std::pair<std::string, ModulePtr>> children;
  std::thread::id jsThread;
  Napi::Env env;
  Napi::FunctionReference forward;  // (input handles) → a snapshot of the output (moduleJsSnapshot)
  Napi::ThreadSafeFunction queue;   // for calls from a pass's thread; unreferenced (no hold on the loop)

  // Set when Node finalizes the queue (at the environment's teardown, or after our release).
  std::shared_ptr<std::atomic<bool>> queueGone = std::make_shared<std::atomic<bool>>(false);

  JsModule(Napi::Env env, std::string name, Napi::Function fn)
      : className(std::move(name)), jsThread(std::this_thread::get_id()), env(env), forward(Napi::Persistent(fn)) {
    auto gone = queueGone;
    queue = Napi::ThreadSafeFunction::New(env, fn, "nodetorch-js-module", 0, 1, [gone](Napi::Env) { gone->store(true); });
    queue.Unref(env);
  }
  ~JsModule() override {
    // modules are freed on the JavaScript thread (their handles' finalizers, a pass's settling)
    if (!queueGone->load()) queue.Release();
  }

  std::string type() const override { return className; }

  std::vector<at::Tensor*> parameters() override {
    std::vector<at::Tensor*> out;
    for (auto& [name, t] : own) out.push_back(&t);
    for (auto& [name, child] : children)
      for (at::Tensor* p : child->parameters()) out.push_back(p);
    return out;
  }
  std::vector<std::string> parameterNames() override {
    std::vector<std::string> names;
    for (auto& [name, t] : own) names.push_back(name);
    return names;
  }
  void setTraining(bool flag) override {
    training = flag;
    for (auto& [name, child] : children) child->setTraining(flag);
  }

  // On the JavaScript thread: forward(input), in the grad mode of the caller's thread.
  Value callHere(const Value& input, bool grad) {
    at::AutoGradMode mode(grad);
    Napi::Value snapshot = forward.Call({valueToJs(env, input)});
    ValueBox* box = unboxed<ValueBox>(env, snapshot, kSnapshotTag);
    if (box == nullptr) fail(className + ".forward must return a Tensor or a (nested) array of Tensors");
    return box->value;
  }

  Value apply(const Value& input) override {
    bool grad = at::GradMode::is_enabled();
    if (std::this_thread::get_id() == jsThread) return callHere(input, grad);
    auto call = std::make_shared<Call>();
    call->input = input;
    call->grad = grad;
    std::future<void> done = call->done.get_future();
    auto run = [this, call](Napi::Env, Napi::Function) {
      try {
        at::ThreadLocalStateGuard state(call->state);
        AutocastDtypesGuard autocast(call->autocast);
        call->output = callHere(call->input, call->grad);
      } catch (const Napi::Error& e) {
        call->error = e.Message();
      } catch (const std::exception& e) {
        call->error = reason(e);
      }
      call->done.set_value();
    };
    if (queueGone->load() || queue.BlockingCall(run) != napi_ok) fail(className + ".forward cannot run: JavaScript is shutting down");
    // wait for the JavaScript thread, but not past the pass's cancellation (an abort, or exit)
    const std::atomic<bool>* cancelled = passCancelFlag();
    while (done.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready)
      if (cancelled != nullptr && cancelled->load())
        fail("the pass was cancelled while " + className + ".forward was waiting for JavaScript");
    if (!call->error.empty()) fail(className + ".forward: " + call->error);
    return call->output;
  }
};

std::shared_ptr<JsModule> jsModuleArg(const Napi::CallbackInfo& info, size_t i) {
  auto module = std::dynamic_pointer_cast<JsModule>(moduleArg(info, i));
  if (!module) fail("expected a module written in TypeScript");
  return module;
}

// moduleJsCreate(className, forward) → a module handle.
Napi::Value moduleJsCreate(const Napi::CallbackInfo& info) {
  std::string name = stringArg(info, 0, "class name");
  if (info.Length() < 2 || !info[1].IsFunction()) fail("expected a forward function");
  return wrapModule(info.Env(), std::make_shared<JsModule>(info.Env(), name, info[1].As<Napi::Function>()));
}

// moduleJsParameter(module, name, tensor): registers a parameter (a leaf that requires its gradient).
Napi::Value moduleJsParameter(const Napi::CallbackInfo& info) {
  auto module = jsModuleArg(info, 0);
  std::string name = stringArg(info, 1, "parameter name");
  at::Tensor t = tensorArg(info, 2, "parameter").detach().clone();
  if (!at::isFloatingType(t.scalar_type())) fail("a parameter must be floating, not " + dtypeName(t.scalar_type()));
  t.set_requires_grad(true);
  module->own.emplace_back(name, t);
  return info.Env().Undefined();
}

// moduleJsChild(module, name, child): registers a child module.
Napi::Value moduleJsChild(const Napi::CallbackInfo& info) {
  auto module = jsModuleArg(info, 0);
  module->children.emplace_back(stringArg(info, 1, "child name"), moduleArg(info, 2));
  return info.Env().Undefined();
}

// moduleJsGet(module, name) → the parameter as it is now (getParameters() re-points it).
Napi::Value moduleJsGet(const Napi::CallbackInfo& info) {
  auto module = jsModuleArg(info, 0);
  std::string name = stringArg(info, 1, "parameter name");
  for (auto& [n, t] : module->own)
    if (n == name) return wrapTensor(info.Env(), t);
  fail("no parameter '" + name + "' in " + module->className);
}

// moduleJsNames(module) → the names of its own parameters, in order.
Napi::Value moduleJsNames(const Napi::CallbackInfo& info) {
  auto module = jsModuleArg(info, 0);
  Napi::Array out = Napi::Array::New(info.Env(), module->own.size());
  for (size_t k = 0; k < module->own.size(); ++k) out.Set(static_cast<uint32_t>(k), module->own[k].first);
  return out;
}

// moduleJsSnapshot(value) → an external holding the value's tensors (see ValueBox).
Napi::Value moduleJsSnapshot(const Napi::CallbackInfo& info) {
  return wrapBoxed(info.Env(), new ValueBox{valueFromJs(info.Env(), info[0], "forward's output")}, kSnapshotTag);
}

}  // namespace

void registerNnJsModule(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {
      {"moduleJsCreate", moduleJsCreate}, {"moduleJsParameter", moduleJsParameter}, {"moduleJsChild", moduleJsChild},
      {"moduleJsGet", moduleJsGet},       {"moduleJsSnapshot", moduleJsSnapshot},   {"moduleJsNames", moduleJsNames},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
