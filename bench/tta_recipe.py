"""PyTorch's side of `npm run bench -- --tta`: the fast MNIST recipe (lib/models/recipes.ts) written
as a PyTorch user would, as PyTorch's CPU tuning guide runs it (channels_last, bf16 autocast where
asked; the harness preloads jemalloc). The same model (bench/train_loop.py's Net: the study's
convnet with L2 pooling + subtractive normalisation, or max pooling), data (MNIST zero-padded to 32×32, normalised by the training set's mean and unbiased
std), optimizer (SGD, Nesterov momentum 0.9, weight decay 5e-4), schedule (OneCycleLR peaking at
0.1, learning rate only), augmentation (the study's nearest-neighbour rotation, θ ~ N(0, 0.2²)),
batch 128, the weight average (torch.optim.swa_utils.AveragedModel with get_ema_multi_avg_fn,
updated after every step; the test passes use it, as nodetorch's `ema`), and a test pass over the
full test set after every epoch.

Usage: tta_recipe.py <mnistDir> <seed> <epochs> <threads> <fp32|bf16> <predictions.csv> <lp|max> [emaDecay, 0: none]
Prints one JSON line per epoch ({"epoch", "accuracy"}) as it ends; writes the last epoch's
predictions as `nodetorch predict` does (Id,Prediction; ids 1..10000, classes digit + 1).
"""
import gzip
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_loop import Net  # noqa: E402  the benchmark's convnet, shared with `npm run bench`


def read_idx(directory, name):
    path = os.path.join(directory, name)
    gzipped = os.path.exists(path + ".gz")
    with (gzip.open(path + ".gz", "rb") if gzipped else open(path, "rb")) as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).view(*shape)


def rotate(x, angles):
    """The study's rotation (Torch7's image.rotate, nearest neighbour, zeros outside), batched."""
    n, c, h, w = x.shape
    theta = angles.float().view(n, 1, 1)
    cos, sin = theta.double().cos().float(), theta.double().sin().float()
    xc, yc = (w - 1) / 2.0, (h - 1) / 2.0
    i = torch.arange(w, dtype=torch.float).view(1, 1, w) - xc
    j = torch.arange(h, dtype=torch.float).view(1, h, 1) - yc

    def round_c(v):
        v = v.double()
        return (v.sign() * (v.abs() + 0.5).floor()).long()

    ii, jj = round_c(cos * i - sin * j + xc), round_c(cos * j + sin * i + yc)
    inside = (ii >= 0) & (ii < w) & (jj >= 0) & (jj < h)
    index = (jj.clamp(0, h - 1) * w + ii.clamp(0, w - 1)).view(n, 1, h * w).expand(n, c, h * w)
    return x.reshape(n, c, h * w).gather(2, index).view(n, c, h, w) * inside.view(n, 1, h, w)


def main(directory, seed, epochs, threads, precision, predictions, pooling, ema):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    pad = lambda images: F.pad(images.float(), (2, 2, 2, 2)).unsqueeze(1)  # noqa: E731
    train_x, test_x = pad(read_idx(directory, "train-images-idx3-ubyte")), pad(read_idx(directory, "t10k-images-idx3-ubyte"))
    train_y = read_idx(directory, "train-labels-idx1-ubyte").long()
    test_y = read_idx(directory, "t10k-labels-idx1-ubyte").long()
    mean, std = train_x.mean().item(), train_x.std().item()
    train_x, test_x = (train_x - mean) / std, (test_x - mean) / std
    cl = torch.channels_last
    net = Net(pooling == "lp").float().to(memory_format=cl)
    averaged = AveragedModel(net, multi_avg_fn=get_ema_multi_avg_fn(ema)) if ema > 0 else None
    scored = averaged.module if averaged else net
    batch = 128
    steps = (train_x.size(0) + batch - 1) // batch
    sgd = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(sgd, max_lr=0.1, total_steps=epochs * steps, pct_start=0.3, cycle_momentum=False)
    autocast = lambda: torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16")  # noqa: E731
    for epoch in range(1, epochs + 1):
        net.train()
        order = torch.randperm(train_x.size(0))
        for begin in range(0, train_x.size(0), batch):
            index = order[begin:begin + batch]
            x = rotate(train_x.index_select(0, index), torch.randn(index.numel(), dtype=torch.double) * 0.2)
            sgd.zero_grad(set_to_none=True)
            with autocast():
                loss = F.nll_loss(net(x.contiguous(memory_format=cl)), train_y.index_select(0, index))
            loss.backward()
            sgd.step()
            schedule.step()
            if averaged:
                averaged.update_parameters(net)
        scored.eval()
        with torch.no_grad(), autocast():
            predicted = torch.cat([scored(test_x[k:k + 1000].contiguous(memory_format=cl)).argmax(1) for k in range(0, test_x.size(0), 1000)])
        print(json.dumps({"epoch": epoch, "accuracy": (predicted == test_y).double().mean().item(), "torch": torch.__version__}), flush=True)
    with open(predictions + ".tmp", "w") as f:
        f.write("Id,Prediction\n" + "".join(f"{k + 1},{int(p) + 1}\n" for k, p in enumerate(predicted)))
    os.replace(predictions + ".tmp", predictions)


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0], int(a[1]), int(a[2]), int(a[3]), a[4], a[5], a[6], float(a[7]) if len(a) > 7 else 0.0)
