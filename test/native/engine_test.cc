// The engine without Node: modules, criteria and optimizers built from Options and run in plain C++,
// against values computed here by hand or by LibTorch's own functions. test/native-engine.test.ts
// compiles this file with native/engine/*.cc (no Node-API on the include path) and runs it.
#include "engine/nn_module.h"
#include "engine/optim_method.h"

// Debian's LibTorch brings glog, whose CHECK macros would shadow doctest's.
#undef CHECK
#undef CHECK_EQ
#undef CHECK_NE
#undef CHECK_LT
#undef CHECK_LE
#undef CHECK_GT
#undef CHECK_GE
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

using namespace nodetorch;

namespace {

// The failure a call throws: its kind (as the addon's guard classifies it) and its reason.
template <typename F>
std::pair<ErrorCode, std::string> failureOf(F&& call) {
  try {
    call();
  } catch (const std::exception& e) {
    return {classify(e), reason(e)};
  }
  FAIL("expected a failure");
  return {ErrorCode::Internal, ""};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

ModulePtr linear(int64_t in, int64_t out) { return createModule("Linear", {{"inputSize", double(in)}, {"outputSize", double(out)}}); }

Container& container(const ModulePtr& m) { return dynamic_cast<Container&>(*m); }

// sgd's complete config, as lib/optim fills it: no rate decay, no weight decay, no Nesterov.
Options sgdConfig(double rate, double momentum, double dampening) {
  return {{"learningRate", rate}, {"learningRateDecay", 0.0}, {"weightDecay", 0.0},
          {"momentum", momentum}, {"dampening", dampening},   {"nesterov", false}};
}

// f(x) = ½·|x − target|², its gradient x − target: the optimizers' test function.
Feval quadratic(const at::Tensor& target) {
  return [target](const at::Tensor& x) { return std::make_pair(0.5 * (x - target).pow(2).sum().item<double>(), x - target); };
}

}  // namespace

TEST_CASE("skipErrorBacktraces: LibTorch's errors carry no C++ backtrace, and their reason is unchanged") {
  auto mismatch = [] { return torch::ones({2, 3}).matmul(torch::ones({2, 3})); };
  auto whatOf = [&] {
    try {
      mismatch();
    } catch (const c10::Error& e) {
      return std::string(e.what());
    }
    FAIL("expected a c10::Error");
    return std::string();
  };
  CHECK(contains(whatOf(), "frame #"));  // LibTorch's own fetcher: the frames, one per line
  const auto reasonBefore = failureOf(mismatch).second;
  skipErrorBacktraces();
  CHECK_FALSE(contains(whatOf(), "frame #"));
  CHECK(failureOf(mismatch).second == reasonBefore);
  CHECK(contains(reasonBefore, "cannot be multiplied"));
}

TEST_CASE("Options: a missing or mistyped key is an internal error naming it") {
  Options o{{"rate", 0.5}, {"nesterov", true}, {"sizes", std::vector<double>{2, 3}}, {"mode", std::string("nearest")}};
  CHECK(o.number("rate") == 0.5);
  CHECK(o.flag("nesterov"));
  CHECK(o.numbers("sizes") == std::vector<double>{2, 3});
  CHECK(o.text("mode") == "nearest");
  auto [code, message] = failureOf([&] { o.number("momentum"); });
  CHECK(code == ErrorCode::Internal);
  CHECK(contains(message, "'momentum' is missing"));
  auto [code2, message2] = failureOf([&] { o.flag("rate"); });
  CHECK(code2 == ErrorCode::Internal);
  CHECK(contains(message2, "'rate' is not a boolean"));
}

TEST_CASE("the registries build modules by their Torch7 names and refuse unknown ones") {
  ModulePtr lin = linear(3, 2);
  CHECK(lin->type() == "Linear");
  REQUIRE(lin->parameters().size() == 2);
  for (at::Tensor* p : lin->parameters()) CHECK(p->requires_grad());
  auto [code, message] = failureOf([] { createModule("Linaer", {}); });
  CHECK(code == ErrorCode::InvalidArgument);
  CHECK(contains(message, "unknown module type 'Linaer'"));
  CHECK(createCriterion("ClassNLLCriterion", {})->type() == "ClassNLLCriterion");
}

TEST_CASE("Linear: x·Wᵀ + b, Torch7's U(−1/√in, 1/√in) initialisation, shape errors named") {
  at::manual_seed(1);
  ModulePtr lin = linear(4, 3);
  at::Tensor w = *lin->parameters()[0], b = *lin->parameters()[1];
  CHECK(w.sizes() == at::IntArrayRef({3, 4}));
  CHECK(w.abs().max().item<double>() <= 0.5);  // 1/√4
  at::Tensor x = at::randn({5, 4}, at::kDouble);
  at::Tensor y = lin->forward(x);
  CHECK(at::allclose(y, x.matmul(w.t()) + b, 0, 1e-12));
  auto [code, message] = failureOf([&] { lin->forward(at::randn({5, 3}, at::kDouble)); });
  CHECK(contains(message, "Linear(4 -> 3) expects a vector of 4 or a batch N×4, got shape [5, 3]"));
  CHECK(code == ErrorCode::ShapeMismatch);
}

TEST_CASE("a residual block from tables: ConcatTable(Identity, Linear) → CAddTable, and its gradient") {
  at::manual_seed(2);
  ModulePtr block = createModule("Sequential", {});
  ModulePtr branches = createModule("ConcatTable", {});
  ModulePtr lin = linear(3, 3);
  container(branches).modules = {createModule("Identity", {}), lin};
  container(block).modules = {branches, createModule("CAddTable", {})};
  at::Tensor x = at::randn({2, 3}, at::kDouble);
  Value out = block->apply(x);
  REQUIRE(out.isTensor());
  at::Tensor w = *lin->parameters()[0], b = *lin->parameters()[1];
  CHECK(at::allclose(out.tensor, x + x.matmul(w.t()) + b, 0, 1e-12));
  // d(Σ out)/dW = Σ over the batch of xᵀ per output row; d/db = the batch size
  out.tensor.sum().backward();
  CHECK(at::allclose(w.grad(), x.sum(0).expand({3, 3}), 0, 1e-12));
  CHECK(at::allclose(b.grad(), at::full({3}, 2.0, at::kDouble), 0, 1e-12));
  CHECK(block->parameters().size() == 2);
}

TEST_CASE("getParameters: every parameter and gradient views one flat vector") {
  ModulePtr model = createModule("Sequential", {});
  container(model).modules = {linear(3, 4), createModule("Tanh", {}), linear(4, 2)};
  auto [flat, flatGrad] = flattenParameters(*model);
  CHECK(flat.numel() == 3 * 4 + 4 + 4 * 2 + 2);
  flat.fill_(0.25);
  for (at::Tensor* p : model->parameters()) CHECK(p->eq(0.25).all().item<bool>());
  model->forward(at::ones({1, 3}, at::kDouble)).sum().backward();
  CHECK(flatGrad.abs().sum().item<double>() > 0);
  auto again = flattenParameters(*model);  // unchanged views: the same vectors
  CHECK(again.first.data_ptr() == flat.data_ptr());
}

TEST_CASE("ClassNLLCriterion: the mean negative log-probability of the targets (0-based here)") {
  CriterionPtr nll = createCriterion("ClassNLLCriterion", {});
  at::Tensor logp = at::log_softmax(at::tensor({1.0, 2.0, 3.0, 0.5, 0.5, 2.0}, at::kDouble).view({2, 3}), 1);
  at::Tensor target = at::tensor({2, 0}, at::kLong);
  double expected = -(logp[0][2].item<double>() + logp[1][0].item<double>()) / 2;
  CHECK(nll->loss(logp, target).item<double>() == doctest::Approx(expected).epsilon(1e-12));
  auto [code, message] = failureOf([&] { nll->loss(logp, at::tensor({3, 0}, at::kLong)); });
  CHECK(contains(message, "targets must be class indices in [0, 2]"));
}

TEST_CASE("sgd: Torch7's momentum (first buffer undamped), dampening, weight decay, schedule factor") {
  auto sgd = createOptimMethod("sgd");
  sgd->configure(sgdConfig(0.1, 0.9, 0.5));
  at::Tensor x = at::tensor({1.0, -2.0}, at::kDouble);
  Feval f = quadratic(at::zeros({2}, at::kDouble));
  // step 1: buffer = g = x0; x1 = x0 − 0.1·x0 = 0.9·x0
  sgd->step(f, x);
  CHECK(at::allclose(x, at::tensor({0.9, -1.8}, at::kDouble), 0, 1e-15));
  // step 2: buffer = 0.9·x0 + 0.5·x1 = 1.35·x0; x2 = x1 − 0.1·1.35·x0 = 0.765·x0
  sgd->step(f, x);
  CHECK(at::allclose(x, at::tensor({0.765, -1.53}, at::kDouble), 0, 1e-15));
  CHECK(sgd->scalars() == std::vector<std::pair<std::string, double>>{{"evalCounter", 2}});
  // a schedule's factor scales the rate: with momentum off, x ← x − 0.5·0.1·x
  sgd->configure(sgdConfig(0.1, 0.0, 0.0));
  sgd->rateScale = 0.5;
  at::Tensor before = x.clone();
  sgd->step(f, x);
  CHECK(at::allclose(x, before * 0.95, 0, 1e-15));
}

TEST_CASE("adam: one step moves each coordinate by the learning rate (bias-corrected)") {
  auto adam = createOptimMethod("adam");
  adam->configure(
      {{"learningRate", 0.01}, {"learningRateDecay", 0.0}, {"weightDecay", 0.0}, {"beta1", 0.9}, {"beta2", 0.999}, {"epsilon", 1e-8}});
  at::Tensor x = at::tensor({3.0, -0.5}, at::kDouble);
  adam->step(quadratic(at::zeros({2}, at::kDouble)), x);
  // m = 0.1·g and v = 0.001·g², and Torch7 adds ε to √v before correcting the bias: the step is
  // lr·√(1 − β2)/(1 − β1) · m/(√v + ε) = lr·g/(|g| + ε/√0.001)
  double e = 1e-8 / std::sqrt(0.001);
  CHECK(at::allclose(x, at::tensor({3.0 - 0.01 * 3 / (3 + e), -0.5 + 0.01 * 0.5 / (0.5 + e)}, at::kDouble), 0, 1e-15));
  auto [code, message] = failureOf([&] { adam->configure({{"learningRate", 0.01}}); });
  CHECK(code == ErrorCode::Internal);
  CHECK(contains(message, "is missing"));
}

TEST_CASE("lbfgs finds the minimum of a quadratic") {
  auto lbfgs = createOptimMethod("lbfgs");
  lbfgs->configure({{"maxIter", 20.0},
                    {"maxEval", 25.0},
                    {"tolFun", 1e-10},
                    {"tolX", 1e-12},
                    {"nCorrection", 10.0},
                    {"learningRate", 1.0},
                    {"lineSearch", false}});
  at::Tensor target = at::tensor({1.0, -3.0, 0.5}, at::kDouble);
  at::Tensor x = at::zeros({3}, at::kDouble);
  lbfgs->step(quadratic(target), x);
  CHECK(at::allclose(x, target, 0, 1e-8));
}

TEST_CASE("training without Node: Linear → LogSoftMax with ClassNLLCriterion and sgd separates two classes") {
  at::manual_seed(3);
  ModulePtr model = createModule("Sequential", {});
  container(model).modules = {linear(2, 2), createModule("LogSoftMax", {})};
  CriterionPtr nll = createCriterion("ClassNLLCriterion", {});
  // two Gaussian clouds, centred at (−1, −1) and (1, 1)
  at::Tensor labels = at::cat({at::zeros({50}, at::kLong), at::ones({50}, at::kLong)});
  at::Tensor inputs = at::randn({100, 2}, at::kDouble) * 0.5 + (labels.to(at::kDouble) * 2 - 1).unsqueeze(1);
  auto [x, grad] = flattenParameters(*model);
  Feval feval = [&, grad = grad](const at::Tensor&) {
    grad.zero_();
    at::Tensor loss = nll->sampleMeanLoss(model->forward(inputs), labels);
    loss.backward();
    return std::make_pair(loss.item<double>(), grad);
  };
  auto sgd = createOptimMethod("sgd");
  sgd->configure(sgdConfig(0.5, 0.0, 0.0));
  double first = sgd->step(feval, x)[0], last = first;
  for (int i = 0; i < 100; ++i) last = sgd->step(feval, x)[0];
  CHECK(last < first / 4);
  at::NoGradGuard noGrad;
  double accuracy = model->forward(inputs).argmax(1).eq(labels).to(at::kDouble).mean().item<double>();
  CHECK(accuracy >= 0.95);
}
