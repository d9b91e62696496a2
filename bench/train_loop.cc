// The reference for `npm run bench`: the same convnet, minibatch SGD loop written directly in
// C++ against LibTorch (torch::nn + torch::optim), with no Node or nodetorch in the way.
// Usage: train_loop <batchSize> <samples> <threads> [cpu|cuda] → prints {"batchSize":…,"samplesPerSecond":…,"peakRssMB":…}
#include <torch/torch.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

struct Net : torch::nn::Module {
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  Net() {
    conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 64, 5)));
    conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(64, 64, 5)));
    fc1 = register_module("fc1", torch::nn::Linear(1600, 128));
    fc2 = register_module("fc2", torch::nn::Linear(128, 10));
  }
  torch::Tensor forward(torch::Tensor x) {
    x = torch::max_pool2d(torch::tanh(conv1(x)), 2, 2);
    x = torch::max_pool2d(torch::tanh(conv2(x)), 2, 2);
    x = torch::tanh(fc1(x.view({x.size(0), 1600})));
    return torch::log_softmax(fc2(x), 1);
  }
};

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: %s <batchSize> <samples> <threads> [cpu|cuda]\n", argv[0]);
    return 2;
  }
  const torch::Device device(argc == 5 ? argv[4] : "cpu");
  const int64_t batch = std::atoll(argv[1]), samples = std::atoll(argv[2]);
  at::set_num_threads(std::atoi(argv[3]));
  torch::manual_seed(1);
  auto net = std::make_shared<Net>();
  net->to(device);
  torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(0.01));
  torch::Tensor inputs = torch::randn({samples, 1, 32, 32}).to(device);
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
