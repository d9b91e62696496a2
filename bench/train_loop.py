"""The PyTorch column of `npm run bench`: the same convnet and minibatch SGD loop as
bench/train_loop.cc, in PyTorch (on Debian, python3-torch runs on the same LibTorch 1.13 as
libtorch-dev). Usage: train_loop.py <batchSize> <samples> <threads> [cpu|cuda] → prints one JSON line."""
import json
import resource
import sys
import time

import torch
import torch.nn.functional as F


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 64, 5)
        self.conv2 = torch.nn.Conv2d(64, 64, 5)
        self.fc1 = torch.nn.Linear(1600, 128)
        self.fc2 = torch.nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(torch.tanh(self.conv1(x)), 2, 2)
        x = F.max_pool2d(torch.tanh(self.conv2(x)), 2, 2)
        x = torch.tanh(self.fc1(x.view(x.size(0), 1600)))
        return F.log_softmax(self.fc2(x), 1)


def main(batch, samples, threads, device):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    net = Net().to(device)
    sgd = torch.optim.SGD(net.parameters(), lr=0.01)
    inputs = torch.randn(samples, 1, 32, 32).to(device)
    targets = torch.randint(10, (samples,)).to(device)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)

    def epoch(n):
        order = torch.randperm(n).to(device)
        for begin in range(0, n, batch):
            index = order[begin:begin + batch]
            sgd.zero_grad()
            loss = F.nll_loss(net(inputs.index_select(0, index)), targets.index_select(0, index))
            loss.backward()
            sgd.step()

    epoch(min(samples, 4 * batch))  # warm-up
    sync()
    start = time.perf_counter()
    epoch(samples)
    sync()
    seconds = time.perf_counter() - start
    print(json.dumps({"batchSize": batch, "samples": samples, "seconds": seconds,
                      "samplesPerSecond": samples / seconds, "torch": torch.__version__,
                      "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "cpu")
