"""PyTorch's side of test/pytorch-state-dict.test.ts: builds the torch.nn.Sequential equivalent to
a nodetorch model (described by its modules' Torch7 types and arguments), then either loads the
state dict nodetorch wrote and runs the input ('load'), or saves its own freshly initialised
weights as a state dict and runs the input ('save'). Writes the outputs as JSON (exact float64).

    python state_dict_check.py load|save spec.json model.pt input.json output.json
"""
import json
import sys

import torch
import torch.nn.functional as F


class SubtractiveNormalization(torch.nn.Module):
    """Torch7's nn.SpatialSubtractiveNormalization: subtracts the kernel-weighted local mean over
    all planes, dividing by the same weighting of ones so that borders are not darkened."""

    def __init__(self, planes, kernel):
        super().__init__()
        k = torch.tensor(kernel, dtype=torch.float64)
        self.kernel = torch.outer(k, k) if k.dim() == 1 else k  # a 1-D kernel is separable
        self.planes = planes

    def forward(self, x):
        kh, kw = self.kernel.shape
        pad = (kw // 2, kw // 2, kh // 2, kh // 2)
        weight = self.kernel.to(x.dtype).expand(1, self.planes, kh, kw)
        local = F.conv2d(F.pad(x, pad), weight)
        coef = F.conv2d(F.pad(torch.ones_like(x[:1]), pad), weight)
        return x - local / coef


def build(spec):
    layers = []
    for m in spec:
        t, a = m["type"], m["args"]
        if t in ("SpatialConvolution", "SpatialConvolutionMM"):
            n_in, n_out, kw, kh, dw, dh, pw, ph = a
            layers.append(torch.nn.Conv2d(n_in, n_out, (kh, kw), (dh, dw), (ph, pw)))
        elif t == "SpatialLPPooling":
            _, p, kw, kh, dw, dh = a
            layers.append(torch.nn.LPPool2d(p, (kh, kw), (dh, dw)))
        elif t == "SpatialMaxPooling":
            kw, kh, dw, dh = a[:4]
            layers.append(torch.nn.MaxPool2d((kh, kw), (dh, dw)))
        elif t == "SpatialSubtractiveNormalization":
            layers.append(SubtractiveNormalization(a[0], a[1]))
        elif t in ("Reshape", "View"):
            layers.append(torch.nn.Flatten())
        elif t == "Linear":
            layers.append(torch.nn.Linear(a[0], a[1]))
        elif t == "Tanh":
            layers.append(torch.nn.Tanh())
        elif t == "ReLU":
            layers.append(torch.nn.ReLU())
        elif t == "LogSoftMax":
            layers.append(torch.nn.LogSoftmax(dim=1))
        else:
            raise SystemExit(f"no PyTorch equivalent written for {t}")
    return torch.nn.Sequential(*layers).double()


def main():
    mode, spec_file, state_file, input_file, output_file = sys.argv[1:]
    with open(spec_file) as f:
        model = build(json.load(f))
    with open(input_file) as f:
        x = torch.tensor(json.load(f), dtype=torch.float64)
    if mode == "load":
        # torch.load's default (weights_only=True on PyTorch >= 2.6) and a strict load: every name and shape must match
        model.load_state_dict(torch.load(state_file))
    else:
        torch.manual_seed(0)
        model = build(json.load(open(spec_file)))
        torch.save(dict(model.state_dict()), state_file)
    with torch.no_grad():
        y = model(x)
    with open(output_file, "w") as f:
        json.dump({"output": y.tolist(), "torch": torch.__version__}, f)


main()
