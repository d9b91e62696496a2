// Elementwise, comparison, reduction and matrix operations. Each names the operands' shapes
// in its error, because LibTorch's own messages rarely say which call failed.
#include "addon_entries.h"

#include <functional>
#include <unordered_map>

#include "tensor_handle.h"

namespace nodetorch {

namespace {

using UnaryFn = std::function<at::Tensor(const at::Tensor&)>;
using BinaryFn = std::function<at::Tensor(const at::Tensor&, const at::Tensor&)>;
using ScalarFn = std::function<at::Tensor(const at::Tensor&, const at::Scalar&)>;

const std::unordered_map<std::string, UnaryFn>& unaryOps() {
  static const std::unordered_map<std::string, UnaryFn> ops = {
      {"neg", [](const at::Tensor& t) { return t.neg(); }},   {"abs", [](const at::Tensor& t) { return t.abs(); }},
      {"exp", [](const at::Tensor& t) { return t.exp(); }},   {"log", [](const at::Tensor& t) { return t.log(); }},
      {"sqrt", [](const at::Tensor& t) { return t.sqrt(); }}, {"square", [](const at::Tensor& t) { return t.square(); }},
      {"tanh", [](const at::Tensor& t) { return t.tanh(); }}, {"sigmoid", [](const at::Tensor& t) { return t.sigmoid(); }},
      {"relu", [](const at::Tensor& t) { return t.relu(); }}, {"sin", [](const at::Tensor& t) { return t.sin(); }},
      {"cos", [](const at::Tensor& t) { return t.cos(); }},   {"floor", [](const at::Tensor& t) { return t.floor(); }},
      {"ceil", [](const at::Tensor& t) { return t.ceil(); }}, {"round", [](const at::Tensor& t) { return t.round(); }},
      {"sign", [](const at::Tensor& t) { return t.sign(); }}, {"logicalNot", [](const at::Tensor& t) { return t.logical_not(); }},
  };
  return ops;
}

struct BinaryOp {
  BinaryFn tensor;
  ScalarFn scalar;
};

const std::unordered_map<std::string, BinaryOp>& binaryOps() {
  static const std::unordered_map<std::string, BinaryOp> ops = {
      {"add",
       {[](const at::Tensor& a, const at::Tensor& b) { return a.add(b); },
        [](const at::Tensor& a, const at::Scalar& b) { return a.add(b); }}},
      {"sub",
       {[](const at::Tensor& a, const at::Tensor& b) { return a.sub(b); },
        [](const at::Tensor& a, const at::Scalar& b) { return a.sub(b); }}},
      {"mul",
       {[](const at::Tensor& a, const at::Tensor& b) { return a.mul(b); },
        [](const at::Tensor& a, const at::Scalar& b) { return a.mul(b); }}},
      {"div",
       {[](const at::Tensor& a, const at::Tensor& b) { return a.div(b); },
        [](const at::Tensor& a, const at::Scalar& b) { return a.div(b); }}},
      {"pow",
       {[](const at::Tensor& a, const at::Tensor& b) { return a.pow(b); },
        [](const at::Tensor& a, const at::Scalar& b) { return a.pow(b); }}},
      {"eq",
       {[](const at::Tensor& a, const at::Tensor& b) { return a.eq(b); },
        [](const at::Tensor& a, const at::Scalar& b) { return a.eq(b); }}},
      {"ne",
       {[](const at::Tensor& a, const at::Tensor& b) { return a.ne(b); },
        [](const at::Tensor& a, const at::Scalar& b) { return a.ne(b); }}},
      {"lt",
       {[](const at::Tensor& a, const at::Tensor& b) { return a.lt(b); },
        [](const at::Tensor& a, const at::Scalar& b) { return a.lt(b); }}},
      {"le",
       {[](const at::Tensor& a, const at::Tensor& b) { return a.le(b); },
        [](const at::Tensor& a, const at::Scalar& b) { return a.le(b); }}},
      {"gt",
       {[](const at::Tensor& a, const at::Tensor& b) { return a.gt(b); },
        [](const at::Tensor& a, const at::Scalar& b) { return a.gt(b); }}},
      {"ge",
       {[](const at::Tensor& a, const at::Tensor& b) { return a.ge(b); },
        [](const at::Tensor& a, const at::Scalar& b) { return a.ge(b); }}},
      {"maximum",
       {[](const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); },
        [](const at::Tensor& a, const at::Scalar& b) { return a.clamp_min(b); }}},
      {"minimum",
       {[](const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); },
        [](const at::Tensor& a, const at::Scalar& b) { return a.clamp_max(b); }}},
  };
  return ops;
}

template <typename Map>
const typename Map::mapped_type& lookup(const Map& map, const std::string& name) {
  auto it = map.find(name);
  if (it == map.end()) fail("unknown operation '" + name + "'");
  return it->second;
}

Napi::Value unary(const Napi::CallbackInfo& info) {
  const UnaryFn& fn = lookup(unaryOps(), stringArg(info, 0, "operation"));
  return wrapTensor(info.Env(), fn(tensorArg(info, 1, "input")));
}

// binary(op, a, b): b is a Tensor or a number.
Napi::Value binary(const Napi::CallbackInfo& info) {
  std::string name = stringArg(info, 0, "operation");
  const BinaryOp& op = lookup(binaryOps(), name);
  at::Tensor& a = tensorArg(info, 1, "left operand");
  if (info.Length() > 2 && info[2].IsNumber()) {
    return wrapTensor(info.Env(), op.scalar(a, at::Scalar(info[2].As<Napi::Number>().DoubleValue())));
  }
  at::Tensor& b = tensorArg(info, 2, "right operand");
  try {
    return wrapTensor(info.Env(), op.tensor(a, b));
  } catch (const std::exception& e) {
    fail(classify(e), "cannot " + name + " tensors of shapes " + shapeString(a.sizes()) + " (" + dtypeName(a.scalar_type()) + ", " +
                          deviceName(a.device()) + ") and " + shapeString(b.sizes()) + " (" + dtypeName(b.scalar_type()) + ", " +
                          deviceName(b.device()) + "): " + reason(e));
  }
}

Napi::Value matmul(const Napi::CallbackInfo& info) {
  at::Tensor& a = tensorArg(info, 0, "left operand");
  at::Tensor& b = tensorArg(info, 1, "right operand");
  try {
    return wrapTensor(info.Env(), at::matmul(a, b));
  } catch (const std::exception& e) {
    std::string why = reason(e);
    bool dtypes = why.find("not implemented for") != std::string::npos || why.find("dtype") != std::string::npos;
    fail(classify(e), "shapes " + shapeString(a.sizes()) + " and " + shapeString(b.sizes()) +
                          (dtypes ? " of " + dtypeName(a.scalar_type()) + " and " + dtypeName(b.scalar_type()) : " cannot be multiplied") +
                          ": " + why);
  }
}

// reduce(op, t, dim | null, keepDim): whole-tensor reduction when dim is null.
Napi::Value reduce(const Napi::CallbackInfo& info) {
  std::string name = stringArg(info, 0, "operation");
  at::Tensor& t = tensorArg(info, 1, "input");
  bool all = isMissing(info, 2);
  int64_t dim = all ? 0 : intArg(info, 2, "dim");
  bool keep = !isMissing(info, 3) && boolArg(info, 3, "keepDim");
  if (!all && (dim < -t.dim() || dim >= std::max<int64_t>(t.dim(), 1)))
    fail("dim " + std::to_string(dim) + " is out of range for a tensor of shape " + shapeString(t.sizes()));
  at::Tensor out;
  if (name == "sum")
    out = all ? t.sum() : t.sum(dim, keep);
  else if (name == "mean")
    out = all ? t.mean() : t.mean(dim, keep);
  else if (name == "prod")
    out = all ? t.prod() : t.prod(dim, keep);
  else if (name == "std")
    out = all ? t.std() : t.std(dim, /*unbiased=*/true, keep);
  else if (name == "var")
    out = all ? t.var() : t.var(dim, /*unbiased=*/true, keep);
  else if (name == "max")
    out = all ? t.max() : std::get<0>(t.max(dim, keep));
  else if (name == "min")
    out = all ? t.min() : std::get<0>(t.min(dim, keep));
  else if (name == "argmax")
    out = all ? t.argmax() : t.argmax(dim, keep);
  else if (name == "argmin")
    out = all ? t.argmin() : t.argmin(dim, keep);
  else
    fail("unknown reduction '" + name + "'");
  return wrapTensor(info.Env(), out);
}

// copyFrom(dst, src): in place (Torch7's dst:copy(src)), broadcasting src; not recorded by autograd.
Napi::Value copyFrom(const Napi::CallbackInfo& info) {
  at::Tensor& dst = tensorArg(info, 0, "destination");
  at::Tensor& src = tensorArg(info, 1, "source");
  at::NoGradGuard noGrad;
  try {
    dst.copy_(src);
  } catch (const std::exception& e) {
    fail(classify(e),
         "cannot copy a tensor of shape " + shapeString(src.sizes()) + " into one of shape " + shapeString(dst.sizes()) + ": " + reason(e));
  }
  return info.Env().Undefined();
}

// fill(dst, value): in place (Torch7's fill/zero).
Napi::Value fill(const Napi::CallbackInfo& info) {
  at::Tensor& dst = tensorArg(info, 0, "destination");
  at::NoGradGuard noGrad;
  dst.fill_(numberArg(info, 1, "value"));
  return info.Env().Undefined();
}

}  // namespace

void registerTensorMath(Napi::Env env, Napi::Object exports) {
  static const std::vector<Entry> entries = {
      {"unary", unary, true},   {"binary", binary, true}, {"matmul", matmul},
      {"reduce", reduce, true}, {"copyFrom", copyFrom},   {"fill", fill},
  };
  registerEntries(env, exports, entries);
}

}  // namespace nodetorch
