// callOp: any ATen operator by name, through LibTorch's dispatcher (autograd included), its
// JavaScript arguments converted by the operator's own schema. lib/ops/table.ts declares which
// operators nodetorch offers and validates their arguments; nothing here changes per operator.
#include <ATen/core/dispatch/Dispatcher.h>

#include "addon_entries.h"
#include "tensor_handle.h"

namespace nodetorch {

namespace {

c10::IValue toIValue(Napi::Env env, Napi::Value v, const c10::TypePtr& type, const std::string& name);

c10::IValue toList(Napi::Env env, Napi::Value v, const c10::TypePtr& element, const std::string& name) {
  if (!v.IsArray()) fail("argument '" + name + "' must be a list");
  Napi::Array array = v.As<Napi::Array>();
  if (element->kind() == c10::TypeKind::TensorType) {
    c10::List<at::Tensor> list;
    for (uint32_t k = 0; k < array.Length(); ++k) list.push_back(tensorValue(env, array.Get(k), name + "[" + std::to_string(k) + "]"));
    return c10::IValue(list);
  }
  if (element->kind() == c10::TypeKind::FloatType) {
    c10::List<double> list;
    for (uint32_t k = 0; k < array.Length(); ++k) list.push_back(array.Get(k).As<Napi::Number>().DoubleValue());
    return c10::IValue(list);
  }
  if (element->kind() == c10::TypeKind::BoolType) {
    c10::List<bool> list;
    for (uint32_t k = 0; k < array.Length(); ++k) list.push_back(array.Get(k).As<Napi::Boolean>().Value());
    return c10::IValue(list);
  }
  // int[] and SymInt[]
  c10::List<int64_t> list;
  for (uint32_t k = 0; k < array.Length(); ++k) list.push_back(array.Get(k).As<Napi::Number>().Int64Value());
  return c10::IValue(list);
}

c10::IValue toIValue(Napi::Env env, Napi::Value v, const c10::TypePtr& type, const std::string& name) {
  if (auto optional = type->cast<c10::OptionalType>()) {
    if (v.IsNull() || v.IsUndefined()) return c10::IValue();
    return toIValue(env, v, optional->getElementType(), name);
  }
  // dtype arguments are ScalarType (an int in TorchScript's schemas): TypeScript passes the name
  if (v.IsString() && (name == "dtype" || type->str() == "ScalarType")) return c10::IValue(parseDtype(v.As<Napi::String>().Utf8Value()));
  switch (type->kind()) {
    case c10::TypeKind::TensorType:
      return c10::IValue(tensorValue(env, v, "argument '" + name + "'"));
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:
      return c10::IValue(static_cast<int64_t>(v.As<Napi::Number>().Int64Value()));
    case c10::TypeKind::FloatType:
      return c10::IValue(v.As<Napi::Number>().DoubleValue());
    case c10::TypeKind::BoolType:
      return c10::IValue(v.As<Napi::Boolean>().Value());
    case c10::TypeKind::NumberType: {  // a Scalar: whole numbers stay integers (int tensors keep their dtype)
      double d = v.As<Napi::Number>().DoubleValue();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9007199254740992.0) return c10::IValue(static_cast<int64_t>(d));
      return c10::IValue(d);
    }
    case c10::TypeKind::StringType:
      return c10::IValue(v.As<Napi::String>().Utf8Value());
    case c10::TypeKind::DeviceObjType:
      return c10::IValue(parseDevice(v.As<Napi::String>().Utf8Value()));
    case c10::TypeKind::ListType:
      return toList(env, v, type->castRaw<c10::ListType>()->getElementType(), name);
    default:
      fail("argument '" + name + "' has type " + type->str() + ", which nodetorch does not convert");
  }
}

Napi::Value fromIValue(Napi::Env env, const c10::IValue& v) {
  if (v.isTensor()) return wrapTensor(env, v.toTensor());
  if (v.isTensorList()) {
    c10::List<at::Tensor> list = v.toTensorList();
    Napi::Array array = Napi::Array::New(env, list.size());
    for (size_t k = 0; k < list.size(); ++k) array.Set(static_cast<uint32_t>(k), wrapTensor(env, list.get(k)));
    return array;
  }
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isNone()) return env.Null();
  fail(std::string("a result of type ") + v.tagKind() + ", which nodetorch does not convert");
}

// callOp(name, overload, args) → the result: a tensor, a list of tensors, a number, or, for several
// returns, an object keyed by the schema's names ({ values, indices } for sort). `args` holds the
// arguments by the schema's names (self, dim, index, dtype, …); those it lacks take their defaults.
Napi::Value callOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = stringArg(info, 0, "operator");
  std::string overload = stringArg(info, 1, "overload");
  if (info.Length() < 3 || !info[2].IsObject()) fail("expected an object of arguments");
  Napi::Object args = info[2].As<Napi::Object>();
  auto& operators = addonData(env).operators;
  auto found = operators.find(name + "." + overload);
  if (found == operators.end()) {
    c10::optional<c10::OperatorHandle> handle = c10::Dispatcher::singleton().findSchema({"aten::" + name, overload});
    if (!handle) fail("this LibTorch has no operator aten::" + name + (overload.empty() ? "" : "." + overload));
    found = operators.emplace(name + "." + overload, *handle).first;
  }
  const c10::OperatorHandle* op = &found->second;
  const c10::FunctionSchema& schema = op->schema();
  torch::jit::Stack stack;
  size_t used = 0;
  for (const c10::Argument& param : schema.arguments()) {
    Napi::Value v = args.Get(param.name());
    if (v.IsUndefined()) {
      if (!param.default_value()) fail("aten::" + name + " needs its argument '" + param.name() + "'");
      stack.push_back(*param.default_value());
    } else {
      stack.push_back(toIValue(env, v, param.type(), param.name()));
      ++used;
    }
  }
  if (used != args.GetPropertyNames().Length())
    fail("an argument that aten::" + name + " does not take (its schema: " + c10::toString(schema) + ")");
  op->callBoxed(&stack);
  const std::vector<c10::Argument>& returns = schema.returns();
  if (returns.size() == 1) return fromIValue(env, stack[0]);
  Napi::Object result = Napi::Object::New(env);
  for (size_t k = 0; k < returns.size() && k < stack.size(); ++k) {
    std::string key = returns[k].name().empty() ? std::to_string(k) : returns[k].name();
    result.Set(key, fromIValue(env, stack[k]));
  }
  return result;
}

}  // namespace

void registerTensorOps(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {
      {"callOp", callOp},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
