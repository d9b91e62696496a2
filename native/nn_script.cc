// TorchScript modules (torch.jit.script / torch.jit.trace, saved by torch.jit.save) as nodetorch
// modules: forward runs the module's own code; its parameters and buffers are the module's, under
// its names ('0.weight', 'conv1.bias', …), so that the Trainer, every optimizer, getParameters(),
// checkpoints and state dicts work on it as on any module.
#include <torch/script.h>

#include "engine/nn_module.h"

namespace nodetorch {

namespace {

// A module attribute: the submodule that holds it and its name there.
struct Slot {
  torch::jit::Module owner;
  std::string name;
};

// The submodule that holds a dotted name's last part ('layer1.0.conv1.weight' → layer1.0.conv1).
Slot slotOf(const torch::jit::Module& root, const std::string& dotted) {
  torch::jit::Module owner = root;
  size_t start = 0, dot;
  while ((dot = dotted.find('.', start)) != std::string::npos) {
    owner = owner.attr(dotted.substr(start, dot - start)).toModule();
    start = dot + 1;
  }
  return {owner, dotted.substr(start)};
}

struct ScriptModule : Module {
  torch::jit::Module module;
  std::vector<Slot> paramSlots, bufferSlots;
  std::vector<std::string> paramNames, bufferNames;
  // The tensors handed out as parameters() and buffers(): getParameters() and to() replace them,
  // and forward puts the replacements back into the module's attributes.
  std::vector<at::Tensor> params, buffers_;

  explicit ScriptModule(torch::jit::Module m) : module(std::move(m)) {
    for (const auto& p : module.named_parameters(true)) {
      paramNames.push_back(p.name);
      paramSlots.push_back(slotOf(module, p.name));
      params.push_back(p.value);
    }
    for (const auto& b : module.named_buffers(true)) {
      bufferNames.push_back(b.name);
      bufferSlots.push_back(slotOf(module, b.name));
      buffers_.push_back(b.value);
    }
    module.train(true);
  }

  std::string type() const override { return "TorchScript"; }

  // The module's attributes become the tensors nodetorch holds (where getParameters or to() replaced them).
  void sync() {
    for (size_t k = 0; k < params.size(); ++k) {
      if (!paramSlots[k].owner.attr(paramSlots[k].name).toTensor().is_same(params[k]))
        paramSlots[k].owner.setattr(paramSlots[k].name, params[k]);
    }
    for (size_t k = 0; k < buffers_.size(); ++k) {
      if (!bufferSlots[k].owner.attr(bufferSlots[k].name).toTensor().is_same(buffers_[k]))
        bufferSlots[k].owner.setattr(bufferSlots[k].name, buffers_[k]);
    }
  }

  static c10::IValue toIValue(const Value& v) {
    if (v.isTensor()) return v.tensor;
    std::vector<c10::IValue> items;
    for (const Value& e : v.list) items.push_back(toIValue(e));
    return c10::ivalue::Tuple::create(std::move(items));
  }

  static Value fromIValue(const c10::IValue& v) {
    if (v.isTensor()) return v.toTensor();
    std::vector<Value> out;
    if (v.isTuple()) {
      for (const c10::IValue& e : v.toTupleRef().elements()) out.push_back(fromIValue(e));
    } else if (v.isList()) {
      for (const c10::IValue& e : v.toListRef()) out.push_back(fromIValue(e));
    } else {
      fail(std::string("the TorchScript module returned a ") + v.tagKind() + "; nodetorch takes tensors, tuples and lists of them");
    }
    return Value::table(std::move(out));
  }

  // The input: one tensor for forward(x); a table for forward(x, y, …), one argument per entry.
  Value apply(const Value& input) override {
    sync();
    std::vector<c10::IValue> args;
    const size_t declared = module.get_method("forward").function().getSchema().arguments().size() - 1;  // less self
    if (input.isTensor() || declared == 1)
      args.push_back(toIValue(input));
    else
      for (const Value& e : input.list) args.push_back(toIValue(e));
    return fromIValue(module.forward(args));
  }

  at::Tensor forward(const at::Tensor& input) override {
    Value out = apply(Value(input));
    if (!out.isTensor()) fail("the TorchScript module returned a table where a tensor was expected");
    return out.tensor;
  }

  std::vector<at::Tensor*> parameters() override {
    std::vector<at::Tensor*> out;
    for (at::Tensor& p : params) out.push_back(&p);
    return out;
  }
  std::vector<std::string> parameterNames() override { return paramNames; }
  std::vector<std::pair<std::string, at::Tensor*>> buffers() override {
    std::vector<std::pair<std::string, at::Tensor*>> out;
    for (size_t k = 0; k < buffers_.size(); ++k) out.emplace_back(bufferNames[k], &buffers_[k]);
    return out;
  }
  void setTraining(bool flag) override {
    training = flag;
    module.train(flag);
  }
};

ModulePtr loadScript(const Options& o) {
  std::string file = o.text("file");
  torch::jit::Module m;
  try {
    m = torch::jit::load(file, at::Device(at::kCPU));
  } catch (const c10::Error& e) {
    fail(ErrorCode::CorruptFile, "cannot load '" + file + "' as TorchScript: " + e.what_without_backtrace());
  }
  if (!m.find_method("forward")) fail("'" + file + "' has no forward method");
  return std::make_shared<ScriptModule>(std::move(m));
}

NODETORCH_REGISTER_MODULE(TorchScript, "TorchScript", loadScript);

}  // namespace

}  // namespace nodetorch
