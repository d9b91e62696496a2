// The layers of the Torch7 study: Linear, SpatialConvolution(MM), SpatialMaxPooling, View,
// and the pointwise Tanh / ReLU / LogSoftMax. Inputs may be one sample (C×H×W or a vector)
// or a batch (N×C×H×W or N×D), as in Torch7.
#include "nn_module.h"
#include "nn_spatial.h"

namespace nodetorch {

namespace {

std::string dims(const at::Tensor& t) { return shapeString(t.sizes()); }

struct Linear : Module {
  int64_t in, out;
  at::Tensor weight, bias;
  Linear(int64_t in, int64_t out) : in(in), out(out) {
    weight = at::empty({out, in}, at::kDouble);
    bias = at::empty({out}, at::kDouble);
    resetUniform(weight, bias, in);
  }
  std::string type() const override { return "Linear"; }
  at::Tensor forward(const at::Tensor& x) override {
    if ((x.dim() != 1 && x.dim() != 2) || x.size(-1) != in)
      fail("Linear(" + std::to_string(in) + " -> " + std::to_string(out) + ") expects a vector of " +
           std::to_string(in) + " or a batch N×" + std::to_string(in) + ", got shape " + dims(x));
    return at::linear(x, weight, bias);
  }
  std::vector<at::Tensor*> parameters() override { return {&weight, &bias}; }
};

struct SpatialConvolution : Module {
  std::string name;
  int64_t nIn, nOut, kW, kH, dW, dH, padW, padH;
  at::Tensor weight, bias;
  SpatialConvolution(std::string name, const std::vector<double>& a)
      : name(std::move(name)), nIn(a[0]), nOut(a[1]), kW(a[2]), kH(a[3]), dW(a[4]), dH(a[5]), padW(a[6]), padH(a[7]) {
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
  std::vector<at::Tensor*> parameters() override { return {&weight, &bias}; }
};

struct SpatialMaxPooling : Module {
  int64_t kW, kH, dW, dH;
  explicit SpatialMaxPooling(const std::vector<double>& a) : kW(a[0]), kH(a[1]), dW(a[2]), dH(a[3]) {}
  std::string type() const override { return "SpatialMaxPooling"; }
  at::Tensor forward(const at::Tensor& x) override {
    if (x.dim() != 3 && x.dim() != 4) fail("SpatialMaxPooling expects C×H×W or N×C×H×W input, got shape " + dims(x));
    if (x.size(-2) < kH || x.size(-1) < kW)
      fail("SpatialMaxPooling: window " + std::to_string(kW) + "×" + std::to_string(kH) + " is larger than the input " + dims(x));
    return at::max_pool2d(x, {kH, kW}, {dH, dW});
  }
};

// View(n...) / Reshape(n...): batch mode when the input has more elements than one sample.
// Unlike Torch7's Reshape, a single sample whose first size is 1 is NOT treated as a batch
// (the MNIST batch-of-one trap): batch mode is chosen by element count alone.
struct View : Module {
  std::string name;
  std::vector<int64_t> shape;
  int64_t numel = 1;
  View(std::string name, const std::vector<double>& a) : name(std::move(name)) {
    for (double d : a) shape.push_back(static_cast<int64_t>(d));
    for (int64_t d : shape) numel *= d;
  }
  std::string type() const override { return name; }
  at::Tensor forward(const at::Tensor& x) override {
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
    if (x.dim() != 1 && x.dim() != 2) fail("LogSoftMax expects a vector or an N×D batch, got shape " + dims(x));
    return at::log_softmax(x, -1);
  }
};

}  // namespace

void resetUniform(at::Tensor& weight, at::Tensor& bias, int64_t fanIn) {
  double bound = 1.0 / std::sqrt(static_cast<double>(fanIn));
  at::NoGradGuard noGrad;
  weight.uniform_(-bound, bound);
  bias.uniform_(-bound, bound);
}

static ModulePtr build(const std::string& type, const std::vector<double>& args) {
  auto need = [&](size_t n) {
    if (args.size() != n) fail(type + " expects " + std::to_string(n) + " numeric arguments, got " + std::to_string(args.size()));
  };
  if (type == "Linear") {
    need(2);
    return std::make_shared<Linear>(static_cast<int64_t>(args[0]), static_cast<int64_t>(args[1]));
  }
  if (type == "SpatialConvolution" || type == "SpatialConvolutionMM") {
    need(8);
    return std::make_shared<SpatialConvolution>(type, args);
  }
  if (type == "SpatialMaxPooling") {
    need(4);
    return std::make_shared<SpatialMaxPooling>(args);
  }
  if (type == "View" || type == "Reshape") return std::make_shared<View>(type, args);
  if (type == "Tanh" || type == "ReLU" || type == "Sigmoid" || type == "LogSoftMax") return std::make_shared<Pointwise>(type);
  if (type == "Sequential") return std::make_shared<Sequential>();
  if (type == "SoftMax") {
    need(1);
    return std::make_shared<SoftMax>(args[0]);
  }
  if (type == "Dropout") {
    need(1);
    return std::make_shared<Dropout>(args[0]);
  }
  if (ModulePtr spatial = createSpatialModule(type, args)) return spatial;
  fail("unknown module type '" + type + "'");
}

ModulePtr createModule(const std::string& type, const std::vector<double>& args) {
  ModulePtr m = build(type, args);
  for (at::Tensor* p : m->parameters()) p->set_requires_grad(true);
  return m;
}

at::Tensor Sequential::forward(const at::Tensor& input) {
  at::Tensor x = input;
  for (size_t i = 0; i < modules.size(); ++i) {
    try {
      x = modules[i]->forward(x);
    } catch (const std::exception& e) {
      fail("module " + std::to_string(i + 1) + " (" + modules[i]->type() + "): " + reason(e));
    }
  }
  return x;
}

std::vector<at::Tensor*> Sequential::parameters() {
  std::vector<at::Tensor*> out;
  for (auto& m : modules) {
    auto p = m->parameters();
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

void Sequential::setTraining(bool flag) {
  training = flag;
  for (auto& m : modules) m->setTraining(flag);
}

}  // namespace nodetorch
