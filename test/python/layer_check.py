"""PyTorch's side of test/nn-elementwise.test.ts: for each case (a layer's Torch7 type and arguments,
its weight if it has one, an input and a gradient of the output), PyTorch's module of the same kind
computes the output, the gradient of the input and of the weight, in float64.

    python layer_check.py cases.json results.json
"""
import json
import sys

import torch


def build(t, a, bias=True):
    if t == "Linear":
        return torch.nn.Linear(a[0], a[1], bias=bias)
    if t in ("SpatialConvolution", "SpatialConvolutionMM"):
        n_in, n_out, kw, kh, dw, dh, pw, ph = a
        return torch.nn.Conv2d(n_in, n_out, (kh, kw), (dh, dw), (ph, pw), bias=bias)
    if t == "ELU":
        return torch.nn.ELU(alpha=a[0])
    if t == "LeakyReLU":
        return torch.nn.LeakyReLU(negative_slope=a[0])
    if t == "PReLU":
        return torch.nn.PReLU(num_parameters=max(a[0], 1), init=0.25)
    if t == "SoftPlus":
        return torch.nn.Softplus(beta=a[0], threshold=a[1])
    if t == "HardTanh":
        return torch.nn.Hardtanh(min_val=a[0], max_val=a[1])
    if t == "GELU":
        return torch.nn.GELU()
    if t == "Identity":
        return torch.nn.Identity()
    if t == "TemporalConvolution":
        return torch.nn.Conv1d(a[0], a[1], a[2], a[3])
    if t == "SpatialFullConvolution":
        n_in, n_out, kw, kh, dw, dh, pw, ph, aw, ah = a
        return torch.nn.ConvTranspose2d(n_in, n_out, (kh, kw), (dh, dw), (ph, pw), output_padding=(ah, aw), bias=bias)
    if t == "SpatialDilatedConvolution":
        n_in, n_out, kw, kh, dw, dh, pw, ph, lw, lh = a
        return torch.nn.Conv2d(n_in, n_out, (kh, kw), (dh, dw), (ph, pw), dilation=(lh, lw), bias=bias)
    if t == "LookupTable":
        return torch.nn.Embedding(a[0], a[1], padding_idx=a[2]["paddingIndex"] if len(a) > 2 else None)
    if t == "SpatialUpSamplingNearest":
        return torch.nn.Upsample(scale_factor=a[0], mode="nearest")
    if t == "SpatialUpSamplingBilinear":
        if isinstance(a[0], dict):
            return torch.nn.UpsamplingBilinear2d(size=(a[0]["oheight"], a[0]["owidth"]))
        return torch.nn.UpsamplingBilinear2d(scale_factor=a[0])
    if t == "SpatialAdaptiveMaxPooling":
        return torch.nn.AdaptiveMaxPool2d((a[1], a[0]))
    if t == "SpatialAdaptiveAveragePooling":
        return torch.nn.AdaptiveAvgPool2d((a[1], a[0]))
    if t in ("LSTM", "GRU"):
        o = a[2]
        kind = torch.nn.LSTM if t == "LSTM" else torch.nn.GRU
        return kind(a[0], a[1], num_layers=o["numLayers"], batch_first=bool(o["batchFirst"]), bidirectional=bool(o["bidirectional"]))
    if t == "LayerNorm":
        return torch.nn.LayerNorm(a[0], eps=a[1], elementwise_affine=a[2])
    def dim(d, n, x):  # Torch7's 1-based dimension, past a batch dimension with nInputDims
        k = x.dim() + d if d < 0 else d - 1
        return k + 1 if d > 0 and n > 0 and x.dim() > n else k

    def transpose(x):
        for d1, d2 in a:
            x = x.transpose(dim(d1, 0, x), dim(d2, 0, x))
        return x

    functions = {
        "Mean": lambda x: x.mean(dim(a[0], a[1], x)),
        "Sum": lambda x: x.mean(dim(a[0], a[1], x)) if a[2] else x.sum(dim(a[0], a[1], x)),
        "Max": lambda x: x.max(dim(a[0], a[1], x)).values,
        "Normalize": lambda x: x / (x.abs().pow(a[0]).sum(-1, keepdim=True) + a[1]).pow(1 / a[0]),
        "Transpose": transpose,
        "SpatialDropout": lambda x: x * (1 - a[0]),  # evaluation mode
        "Abs": lambda x: x.abs(),
        "Square": lambda x: x * x,
        "Sqrt": lambda x: torch.sqrt(x + a[0]),
        "Power": lambda x: x.pow(a[0]),
        "MulConstant": lambda x: x * a[0],
        "AddConstant": lambda x: x + a[0],
        # Torch7's (nInputPlane, pnorm, kW, kH, dW, dH)
        "SpatialLPPooling": lambda x: torch.nn.functional.lp_pool2d(x, a[1], (a[3], a[2]), (a[5], a[4])),
    }
    if t in functions:
        return functions[t]
    raise SystemExit(f"no PyTorch equivalent written for {t}")


def main():
    cases_file, results_file = sys.argv[1:]
    results = []
    for case in json.load(open(cases_file)):
        module = build(case["type"], case["args"], bias=not case.get("noBias", False))
        if isinstance(module, torch.nn.Module):
            module = module.double()
            with torch.no_grad():
                for name, values in case.get("params", {}).items():
                    value = torch.tensor(values, dtype=torch.float64)
                    if case["type"] == "TemporalConvolution" and name == "weight":
                        # Torch7's out × (kW·in), frame by frame, as Conv1d's out × in × kW
                        value = value.view(case["args"][1], case["args"][2], case["args"][0]).permute(0, 2, 1)
                    getattr(module, name).copy_(value)
            if "weight" in case:
                with torch.no_grad():
                    module.weight.copy_(torch.tensor(case["weight"], dtype=torch.float64))
        integer = case["type"] == "LookupTable"
        x = torch.tensor(case["input"], dtype=torch.int64 if integer else torch.float64, requires_grad=not integer)
        # TemporalConvolution: frames × features in, as Conv1d's features × frames
        temporal = case["type"] == "TemporalConvolution"
        y = module(x.transpose(-1, -2)).transpose(-1, -2) if temporal else module(x)
        if isinstance(y, tuple):  # a recurrent layer's (output, states)
            y = y[0]
        y.backward(torch.tensor(case["gradOutput"], dtype=torch.float64))
        result = {"output": y.tolist(), "gradInput": None if integer else x.grad.tolist()}
        if isinstance(module, torch.nn.Module):
            grads = {name: p.grad for name, p in module.named_parameters()}
            if temporal:
                grads["weight"] = grads["weight"].permute(0, 2, 1).reshape(case["args"][1], -1)
            result["gradParameters"] = {name: g.tolist() for name, g in grads.items()}
            if getattr(module, "weight", None) is not None and "weight" in case:
                result["gradWeight"] = module.weight.grad.tolist()
        results.append(result)
    json.dump({"results": results, "torch": torch.__version__}, open(results_file, "w"))


main()
