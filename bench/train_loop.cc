// The reference for `npm run bench`: the same convnet, minibatch SGD loop written directly in
// C++ against LibTorch (torch::nn + torch::optim), with no Node or nodetorch in the way.
// Usage: train_loop <batchSize> <samples> <threads> [cpu|cuda] [max|lp] [float|double]
//   → prints {"batchSize":…,"samplesPerSecond":…,"peakRssMB":…}
// max: the max-pooling convnet Torch7 ran with -type cuda; lp: the study's default convnet (L2
// pooling + subtractive normalisation, as lib/models/mnist.ts builds it for -type double|float).
#include <torch/torch.h>

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

// Torch7's image.gaussian1D(size) (sigma 0.25, amplitude 1, mean 0.5, not normalised).
torch::Tensor gaussian1D(int64_t size) {
  std::vector<double> g(size);
  double center = 0.5 * size + 0.5;
  for (int64_t k = 0; k < size; ++k) g[k] = std::exp(-std::pow((k + 1 - center) / (0.25 * size), 2) / 2);
  return torch::tensor(g, torch::kDouble);
}

struct Net : torch::nn::Module {
  bool lp;
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  torch::Tensor kernel;                 // the normalisation's 7×7 kernel
  std::map<int64_t, torch::Tensor> coef;  // its border correction, per input size
  explicit Net(bool lp) : lp(lp) {
    conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 64, 5)));
    conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(64, 64, 5)));
    fc1 = register_module("fc1", torch::nn::Linear(1600, 128));
    fc2 = register_module("fc2", torch::nn::Linear(128, 10));
    torch::Tensor g = gaussian1D(7);
    torch::Tensor k = torch::outer(g, g);
    kernel = register_buffer("kernel", (k / (k.sum() * 64)).view({1, 1, 7, 7}));
  }
  // L2 pooling 2×2: sqrt of the window's sum of squares (Torch7's SpatialLPPooling, p = 2)
  torch::Tensor l2pool(const torch::Tensor& x) { return torch::sqrt(torch::avg_pool2d(x.square(), 2, 2) * 4); }
  // x − local mean over all planes (Torch7's SpatialSubtractiveNormalization)
  torch::Tensor normalize(const torch::Tensor& x) {
    torch::Tensor& c = coef[x.size(2)];
    if (!c.defined()) {
      torch::NoGradGuard noGrad;
      c = torch::conv2d(torch::full({1, 1, x.size(2), x.size(3)}, 64.0, x.options()), kernel, {}, 1, 3);
    }
    return x - torch::conv2d(x.sum(1, true), kernel, {}, 1, 3) / c;
  }
  torch::Tensor stage(const torch::Tensor& x, torch::nn::Conv2d& conv) {
    torch::Tensor y = torch::tanh(conv(x));
    return lp ? normalize(l2pool(y)) : torch::max_pool2d(y, 2, 2);
  }
  torch::Tensor forward(torch::Tensor x) {
    x = stage(stage(x, conv1), conv2);
    x = torch::tanh(fc1(x.reshape({x.size(0), 1600})));
    return torch::log_softmax(fc2(x), 1);
  }
};

int main(int argc, char** argv) {
  if (argc < 4 || argc > 7) {
    std::fprintf(stderr, "usage: %s <batchSize> <samples> <threads> [cpu|cuda] [max|lp] [float|double]\n", argv[0]);
    return 2;
  }
  const torch::Device device(argc > 4 ? argv[4] : "cpu");
  const bool lp = argc > 5 && std::strcmp(argv[5], "lp") == 0;
  const torch::Dtype dtype = argc > 6 && std::strcmp(argv[6], "double") == 0 ? torch::kDouble : torch::kFloat;
  const int64_t batch = std::atoll(argv[1]), samples = std::atoll(argv[2]);
  at::set_num_threads(std::atoi(argv[3]));
  torch::manual_seed(1);
  auto net = std::make_shared<Net>(lp);
  net->to(device, dtype);
  torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(0.01));
  torch::Tensor inputs = torch::randn({samples, 1, 32, 32}).to(device, dtype);
  torch::Tensor targets = torch::randint(10, {samples}, torch::kLong).to(device);
  auto epoch = [&](int64_t n) {
    torch::Tensor order = torch::randperm(n, torch::kLong).to(device);
    for (int64_t begin = 0; begin < n; begin += batch) {
      torch::Tensor index = order.slice(0, begin, std::min(begin + batch, n));
      sgd.zero_grad();
      torch::Tensor loss = torch::nll_loss(net->forward(inputs.index_select(0, index)), targets.index_select(0, index));
      loss.backward();
      sgd.step();
    }
  };
  epoch(std::min<int64_t>(samples, 4 * batch));  // warm-up
  if (device.is_cuda()) torch::cuda::synchronize();
  auto start = std::chrono::steady_clock::now();
  epoch(samples);
  if (device.is_cuda()) torch::cuda::synchronize();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  std::printf("{\"batchSize\":%lld,\"samples\":%lld,\"seconds\":%.4f,\"samplesPerSecond\":%.2f,\"peakRssMB\":%.1f}\n",
              static_cast<long long>(batch), static_cast<long long>(samples), seconds, samples / seconds, usage.ru_maxrss / 1024.0);
  return 0;
}
