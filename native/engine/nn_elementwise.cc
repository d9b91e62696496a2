// Element-wise layers beyond the study, with Torch7's names, arguments and defaults (read from its
// nn/*.lua): ELU, LeakyReLU, PReLU, SoftPlus, HardTanh, Abs, Square, Sqrt, Power, MulConstant,
// AddConstant (Identity, which also passes tables, is in nn_tables.cc); and PyTorch's GELU, which Torch7 had not. Each is an autograd
// expression, so backward and the native loop need nothing else.
#include "nn_module.h"

namespace nodetorch {

namespace {

struct Elementwise : Module {
  std::string name;
  // the named constructor options (alpha, negval, beta, threshold, min, max, eps, power, scalar)
  double a = 0, b = 0;
  Elementwise(std::string name, double a = 0, double b = 0) : name(std::move(name)), a(a), b(b) {}
  std::string type() const override { return name; }
  at::Tensor forward(const at::Tensor& x) override {
    if (name == "ELU") return at::elu(x, a);
    if (name == "LeakyReLU") return at::leaky_relu(x, a);
    // Torch7's SoftPlus: log(1 + e^{βx}) / β, linear where βx > threshold
    if (name == "SoftPlus") return at::softplus(x, a, b);
    if (name == "HardTanh") return at::hardtanh(x, a, b);
    if (name == "GELU") return at::gelu(x);
    if (name == "Abs") return x.abs();
    if (name == "Square") return x.square();
    // Torch7's Sqrt(b): sqrt(x + b)
    if (name == "Sqrt") return a == 0 ? x.sqrt() : (x + a).sqrt();
    if (name == "Power") return x.pow(a);
    if (name == "MulConstant") return x * a;
    return x + a;  // AddConstant
  }
};

// Torch7's PReLU(nOutputPlane): y = x where x > 0, else w·x, w initialised to 0.25; one w shared by
// all when nOutputPlane is 0, else one per plane. Planes are dimension 0 of a single sample (a
// vector or C×H×W) and dimension 1 of a batch, as Torch7's (PyTorch's prelu takes dimension 1 of
// any input of 2 dimensions or more).
struct PReLU : Module {
  int64_t planes;
  at::Tensor weight;
  explicit PReLU(int64_t planes) : planes(planes) { weight = at::full({std::max<int64_t>(planes, 1)}, 0.25, at::kDouble); }
  std::string type() const override { return "PReLU"; }
  at::Tensor forward(const at::Tensor& x) override {
    if (planes == 0) return at::prelu(x, weight);
    bool single = x.dim() == 1 || x.dim() == 3;
    if (x.dim() < 1 || x.dim() > 4 || x.size(single ? 0 : 1) != planes)
      fail("PReLU(" + std::to_string(planes) + ") expects " + std::to_string(planes) + " planes (a vector of " + std::to_string(planes) +
           ", N×" + std::to_string(planes) + ", " + std::to_string(planes) + "×H×W or N×" + std::to_string(planes) + "×H×W), got shape " +
           shapeString(x.sizes()));
    at::Tensor y = at::prelu(single ? x.unsqueeze(0) : x, weight);
    return single ? y.squeeze(0) : y;
  }
  std::vector<at::Tensor*> parameters() override { return {&weight}; }
};

ModulePtr pointwise(const char* name) { return std::make_shared<Elementwise>(name); }

NODETORCH_REGISTER_MODULE(ELU, "ELU",
                          [](const Options& o) -> ModulePtr { return std::make_shared<Elementwise>("ELU", o.number("alpha")); });
NODETORCH_REGISTER_MODULE(LeakyReLU, "LeakyReLU",
                          [](const Options& o) -> ModulePtr { return std::make_shared<Elementwise>("LeakyReLU", o.number("negval")); });
NODETORCH_REGISTER_MODULE(SoftPlus, "SoftPlus", [](const Options& o) -> ModulePtr {
  return std::make_shared<Elementwise>("SoftPlus", o.number("beta"), o.number("threshold"));
});
NODETORCH_REGISTER_MODULE(HardTanh, "HardTanh", [](const Options& o) -> ModulePtr {
  return std::make_shared<Elementwise>("HardTanh", o.number("min"), o.number("max"));
});
NODETORCH_REGISTER_MODULE(Sqrt, "Sqrt",
                          [](const Options& o) -> ModulePtr { return std::make_shared<Elementwise>("Sqrt", o.number("eps")); });
NODETORCH_REGISTER_MODULE(Power, "Power",
                          [](const Options& o) -> ModulePtr { return std::make_shared<Elementwise>("Power", o.number("power")); });
NODETORCH_REGISTER_MODULE(MulConstant, "MulConstant",
                          [](const Options& o) -> ModulePtr { return std::make_shared<Elementwise>("MulConstant", o.number("scalar")); });
NODETORCH_REGISTER_MODULE(AddConstant, "AddConstant",
                          [](const Options& o) -> ModulePtr { return std::make_shared<Elementwise>("AddConstant", o.number("scalar")); });
NODETORCH_REGISTER_MODULE(GELU, "GELU", [](const Options&) -> ModulePtr { return pointwise("GELU"); });
NODETORCH_REGISTER_MODULE(Abs, "Abs", [](const Options&) -> ModulePtr { return pointwise("Abs"); });
NODETORCH_REGISTER_MODULE(Square, "Square", [](const Options&) -> ModulePtr { return pointwise("Square"); });
NODETORCH_REGISTER_MODULE(PReLU, "PReLU", [](const Options& o) -> ModulePtr { return std::make_shared<PReLU>(o.integer("nOutputPlane")); });

}  // namespace

}  // namespace nodetorch
