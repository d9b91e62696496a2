"""The PyTorch column of `npm run bench`: the same convnet and minibatch SGD loop as
bench/train_loop.cc, in PyTorch (on Debian, python3-torch runs on the same LibTorch 1.13 as
libtorch-dev). Usage: train_loop.py <batchSize> <samples> <threads> [cpu|cuda] [max|lp] [float|double] [fp32|bf16|fp16] [contiguous|channels_last]
→ prints one JSON line. max: the max-pooling convnet; lp: the study's default (L2 pooling + subtractive
normalisation), as in bench/train_loop.cc."""
import contextlib
import json
import math
import resource
import sys
import time

import torch
import torch.nn.functional as F


def gaussian1d(size):
    """Torch7's image.gaussian1D(size): sigma 0.25, amplitude 1, mean 0.5, not normalised."""
    center = 0.5 * size + 0.5
    return torch.tensor([math.exp(-(((k + 1 - center) / (0.25 * size)) ** 2) / 2) for k in range(size)], dtype=torch.double)


class Net(torch.nn.Module):
    def __init__(self, lp):
        super().__init__()
        self.lp = lp
        self.conv1 = torch.nn.Conv2d(1, 64, 5)
        self.conv2 = torch.nn.Conv2d(64, 64, 5)
        self.fc1 = torch.nn.Linear(1600, 128)
        self.fc2 = torch.nn.Linear(128, 10)
        g = gaussian1d(7)
        k = torch.outer(g, g)
        self.register_buffer("kernel", (k / (k.sum() * 64)).view(1, 1, 7, 7))
        self.coef = {}

    def normalize(self, x):
        """x minus the local mean over all planes (Torch7's SpatialSubtractiveNormalization)."""
        size = x.size(2)
        if size not in self.coef:
            with torch.no_grad():
                ones = torch.full((1, 1, size, x.size(3)), 64.0, dtype=x.dtype, device=x.device)
                self.coef[size] = F.conv2d(ones, self.kernel, padding=3)
        return x - F.conv2d(x.sum(1, keepdim=True), self.kernel, padding=3) / self.coef[size]

    def stage(self, x, conv):
        y = torch.tanh(conv(x))
        if not self.lp:
            return F.max_pool2d(y, 2, 2)
        return self.normalize(torch.sqrt(F.avg_pool2d(y.square(), 2, 2) * 4))

    def forward(self, x):
        x = self.stage(self.stage(x, self.conv1), self.conv2)
        x = torch.tanh(self.fc1(x.reshape(x.size(0), 1600)))
        return F.log_softmax(self.fc2(x), 1)


def main(batch, samples, threads, device, model, dtype, precision, layout):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    dtype = torch.double if dtype == "double" else torch.float
    net = Net(model == "lp").to(device, dtype)
    sgd = torch.optim.SGD(net.parameters(), lr=0.01)
    inputs = torch.randn(samples, 1, 32, 32).to(device, dtype)
    if layout == "channels_last":  # the tuning guide's CPU advice: model and inputs in NHWC
        net = net.to(memory_format=torch.channels_last)
        inputs = inputs.contiguous(memory_format=torch.channels_last)
    targets = torch.randint(10, (samples,)).to(device)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    # PyTorch's AMP recipe: autocast around forward and loss, GradScaler for float16
    half = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    autocast = (lambda: torch.autocast(device, dtype=half)) if half else contextlib.nullcontext
    scaler = torch.amp.GradScaler(device) if precision == "fp16" else None

    def epoch(n):
        order = torch.randperm(n).to(device)
        for begin in range(0, n, batch):
            index = order[begin:begin + batch]
            sgd.zero_grad()
            with autocast():
                loss = F.nll_loss(net(inputs.index_select(0, index)), targets.index_select(0, index))
            if scaler:
                scaler.scale(loss).backward()
                scaler.step(sgd)
                scaler.update()
            else:
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
    argv = sys.argv[1:] + ["cpu", "max", "float", "fp32", "contiguous"][len(sys.argv) - 4:]
    main(int(argv[0]), int(argv[1]), int(argv[2]), argv[3], argv[4], argv[5], argv[6], argv[7])
