// The layers of the Torch7 study: Linear, SpatialConvolution(MM), View / Reshape, SoftMax, Dropout
// and the pointwise Tanh / ReLU / Sigmoid / LogSoftMax. Inputs may be one sample (C×H×W or a vector)
// or a batch (N×C×H×W or N×D), as in Torch7.
#include "nn_module.h"

namespace nodetorch {

namespace {

std::string dims(const at::Tensor& t) { return shapeString(t.sizes()); }

struct Linear : WeightAndBias {
  int64_t in, out;
  Linear(int64_t in, int64_t out) : in(in), out(out) {
    weight = at::empty({out, in}, at::kDouble);
    bias = at::empty({out}, at::kDouble);
    resetUniform(weight, bias, in);
  }
  std::string type() const override { return "Linear"; }
  at::Tensor forward(const at::Tensor& x) override {
    // over the last dimension, as PyTorch's (a sequence of vectors too)
    if (x.dim() < 1 || x.size(-1) != in)
      fail("Linear(" + std::to_string(in) + " -> " + std::to_string(out) + ") expects a vector of " + std::to_string(in) +
           " or a batch N×" + std::to_string(in) + ", got shape " + dims(x));
    return at::linear(x, weight, bias);
  }
};

struct SpatialConvolution : WeightAndBias {
  std::string name;
  int64_t nIn, nOut, kW, kH, dW, dH, padW, padH;
  SpatialConvolution(std::string name, const Options& o)
      : name(std::move(name)),
        nIn(o.integer("nInputPlane")),
        nOut(o.integer("nOutputPlane")),
        kW(o.integer("kW")),
        kH(o.integer("kH")),
        dW(o.integer("dW")),
        dH(o.integer("dH")),
        padW(o.integer("padW")),
        padH(o.integer("padH")) {
    weight = at::empty({nOut, nIn, kH, kW}, at::kDouble);
    bias = at::empty({nOut}, at::kDouble);
    resetUniform(weight, bias, nIn * kH * kW);
  }
  std::string type() const override { return name; }
  at::Tensor forward(const at::Tensor& x) override {
    bool single = x.dim() == 3;
    if ((x.dim() != 3 && x.dim() != 4) || x.size(-3) != nIn)
      fail(name + " expects " + std::to_string(nIn) + "×H×W or N×" + std::to_string(nIn) + "×H×W input, got shape " + dims(x));
    if (x.size(-2) + 2 * padH < kH || x.size(-1) + 2 * padW < kW)
      fail(name + ": kernel " + std::to_string(kW) + "×" + std::to_string(kH) + " is larger than the padded input " + dims(x));
    at::Tensor y = at::conv2d(single ? x.unsqueeze(0) : x, weight, bias, {dH, dW}, {padH, padW});
    return single ? y.squeeze(0) : y;
  }
};

// View(n...) / Reshape(n...): batch mode when the input has more elements than one sample.
// Unlike Torch7's Reshape, a single sample whose first size is 1 is NOT treated as a batch
// (the MNIST batch-of-one trap): batch mode is chosen by element count alone.
// A size of -1 (Torch7's View(-1, n)) is inferred: the input is viewed as the sizes as given, so
// View(-1, 1600) keeps a batch of one as a batch of one.
struct View : Module {
  std::string name;
  std::vector<int64_t> shape;
  int64_t numel = 1;
  bool infers = false;
  View(std::string name, const Options& o) : name(std::move(name)) {
    for (double d : o.numbers("sizes")) shape.push_back(static_cast<int64_t>(d));
    for (int64_t d : shape) {
      if (d == -1)
        infers = true;
      else
        numel *= d;
    }
  }
  std::string type() const override { return name; }
  at::Tensor forward(const at::Tensor& x) override {
    if (infers) {
      if (x.numel() % numel != 0 || (x.numel() == 0 && numel == 0))
        fail(name + shapeString(shape) + " cannot take an input of shape " + dims(x) + " (" + std::to_string(x.numel()) +
             " elements, not a multiple of " + std::to_string(numel) + ")");
      return x.reshape(shape);
    }
    if (x.numel() == numel) return x.reshape(shape);
    if (x.dim() >= 1 && x.size(0) > 0 && x.numel() == x.size(0) * numel) {
      std::vector<int64_t> batched{x.size(0)};
      batched.insert(batched.end(), shape.begin(), shape.end());
      return x.reshape(batched);
    }
    fail(name + shapeString(shape) + " cannot take an input of shape " + dims(x) + " (" + std::to_string(x.numel()) +
         " elements; expected " + std::to_string(numel) + " per sample)");
  }
};

// SoftMax with inverse temperature β: y_i = e^{−β x_i} / Σ_k e^{−β x_k}. β = −1 is the plain
// softmax (Torch7's nn.SoftMax), the default.
struct SoftMax : Module {
  double beta;
  explicit SoftMax(double beta) : beta(beta) {}
  std::string type() const override { return "SoftMax"; }
  at::Tensor forward(const at::Tensor& x) override {
    if (x.dim() != 1 && x.dim() != 2) fail("SoftMax expects a vector or an N×D batch, got shape " + dims(x));
    return at::softmax(x * (-beta), -1);
  }
};

// Dropout (Torch7 v2): in training, zero each element with probability p and scale the rest by
// 1/(1 − p); in evaluate mode, the identity.
struct Dropout : Module {
  double p;
  explicit Dropout(double p) : p(p) {}
  std::string type() const override { return "Dropout"; }
  at::Tensor forward(const at::Tensor& x) override { return at::dropout(x, p, training); }
};

struct Pointwise : Module {
  std::string name;
  explicit Pointwise(std::string name) : name(std::move(name)) {}
  std::string type() const override { return name; }
  at::Tensor forward(const at::Tensor& x) override {
    if (name == "Tanh") return x.tanh();
    if (name == "ReLU") return x.relu();
    if (name == "Sigmoid") return x.sigmoid();
    // LogSoftMax: over the last dimension of a vector or an N×D batch.
    if (x.dim() < 1) fail("LogSoftMax expects a vector or an N×D batch (or more dimensions, over the last), got shape " + dims(x));
    return at::log_softmax(x, -1);
  }
};

NODETORCH_REGISTER_MODULE(Linear, "Linear", [](const Options& o) -> ModulePtr {
  return std::make_shared<Linear>(o.integer("inputSize"), o.integer("outputSize"));
});
NODETORCH_REGISTER_MODULE(SpatialConvolution, "SpatialConvolution",
                          [](const Options& o) -> ModulePtr { return std::make_shared<SpatialConvolution>("SpatialConvolution", o); });
NODETORCH_REGISTER_MODULE(SpatialConvolutionMM, "SpatialConvolutionMM",
                          [](const Options& o) -> ModulePtr { return std::make_shared<SpatialConvolution>("SpatialConvolutionMM", o); });
NODETORCH_REGISTER_MODULE(View, "View", [](const Options& o) -> ModulePtr { return std::make_shared<View>("View", o); });
NODETORCH_REGISTER_MODULE(Reshape, "Reshape", [](const Options& o) -> ModulePtr { return std::make_shared<View>("Reshape", o); });
NODETORCH_REGISTER_MODULE(SoftMax, "SoftMax", [](const Options& o) -> ModulePtr { return std::make_shared<SoftMax>(o.number("beta")); });
NODETORCH_REGISTER_MODULE(Dropout, "Dropout", [](const Options& o) -> ModulePtr { return std::make_shared<Dropout>(o.number("p")); });
NODETORCH_REGISTER_MODULE(Tanh, "Tanh", [](const Options&) -> ModulePtr { return std::make_shared<Pointwise>("Tanh"); });
NODETORCH_REGISTER_MODULE(ReLU, "ReLU", [](const Options&) -> ModulePtr { return std::make_shared<Pointwise>("ReLU"); });
NODETORCH_REGISTER_MODULE(Sigmoid, "Sigmoid", [](const Options&) -> ModulePtr { return std::make_shared<Pointwise>("Sigmoid"); });
NODETORCH_REGISTER_MODULE(LogSoftMax, "LogSoftMax", [](const Options&) -> ModulePtr { return std::make_shared<Pointwise>("LogSoftMax"); });
NODETORCH_REGISTER_MODULE(Sequential, "Sequential", [](const Options&) -> ModulePtr { return std::make_shared<Sequential>(); });

}  // namespace

const std::atomic<bool>*& passCancelFlag() {
  thread_local const std::atomic<bool>* flag = nullptr;
  return flag;
}

void resetUniform(at::Tensor& weight, at::Tensor& bias, int64_t fanIn) {
  double bound = 1.0 / std::sqrt(static_cast<double>(fanIn));
  at::NoGradGuard noGrad;
  weight.uniform_(-bound, bound);
  bias.uniform_(-bound, bound);
}

void Value::leaves(std::vector<at::Tensor>& out) const {
  if (isTensor()) out.push_back(tensor);
  for (const Value& v : list) v.leaves(out);
}

std::string Value::shape() const {
  if (isTensor()) return shapeString(tensor.sizes());
  std::string s = "{";
  for (size_t k = 0; k < list.size(); ++k) s += (k ? ", " : "") + list[k].shape();
  return s + "}";
}

// Each module overrides one of the two: forward (tensor modules) or apply (tables, containers).
at::Tensor Module::forward(const at::Tensor& input) {
  Value out = apply(Value(input));
  if (!out.isTensor()) fail(type() + " outputs a table " + out.shape() + " where a tensor is needed");
  return out.tensor;
}

Value Module::apply(const Value& input) {
  if (!input.isTensor()) fail(type() + " takes a tensor, not a table " + input.shape());
  return forward(input.tensor);
}

int64_t torch7Dimension(const std::string& who, int64_t dim, int64_t nInputDims, const at::Tensor& t) {
  int64_t d = dim < 0 ? t.dim() + dim : dim - 1;
  if (dim > 0 && nInputDims > 0 && t.dim() > nInputDims) d += 1;
  if (d < 0 || d >= t.dim()) fail(who + ": dimension " + std::to_string(dim) + " is outside an input of shape " + shapeString(t.sizes()));
  return d;
}

std::vector<at::Tensor*> allBuffers(Module& module) {
  std::vector<at::Tensor*> out;
  for (auto& [name, t] : module.buffers()) out.push_back(t);
  if (auto* container = dynamic_cast<Container*>(&module))
    for (auto& m : container->modules) {
      auto inner = allBuffers(*m);
      out.insert(out.end(), inner.begin(), inner.end());
    }
  return out;
}

Value Container::child(size_t k, const Value& input) {
  try {
    return modules[k]->apply(input);
  } catch (const std::exception& e) {
    fail(classify(e), "module " + std::to_string(k + 1) + " (" + modules[k]->type() + "): " + reason(e));
  }
}

Value Sequential::apply(const Value& input) {
  Value x = input;
  for (size_t i = 0; i < modules.size(); ++i) x = child(i, x);
  return x;
}

std::vector<at::Tensor*> Container::parameters() {
  std::vector<at::Tensor*> out;
  for (auto& m : modules) {
    auto p = m->parameters();
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

void Container::setTraining(bool flag) {
  training = flag;
  for (auto& m : modules) m->setTraining(flag);
}

}  // namespace nodetorch
