"""PyTorch's side of test/nn-elementwise.test.ts: for each case (a layer's Torch7 type and arguments,
its weight if it has one, an input and a gradient of the output), PyTorch's module of the same kind
computes the output, the gradient of the input and of the weight, in float64.

    python layer_check.py cases.json results.json
"""
import json
import sys

import torch


def build(t, a):
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
    functions = {
        "Abs": lambda x: x.abs(),
        "Square": lambda x: x * x,
        "Sqrt": lambda x: torch.sqrt(x + a[0]),
        "Power": lambda x: x.pow(a[0]),
        "MulConstant": lambda x: x * a[0],
        "AddConstant": lambda x: x + a[0],
    }
    if t in functions:
        return functions[t]
    raise SystemExit(f"no PyTorch equivalent written for {t}")


def main():
    cases_file, results_file = sys.argv[1:]
    results = []
    for case in json.load(open(cases_file)):
        module = build(case["type"], case["args"])
        if isinstance(module, torch.nn.Module):
            module = module.double()
            if "weight" in case:
                with torch.no_grad():
                    module.weight.copy_(torch.tensor(case["weight"], dtype=torch.float64))
        x = torch.tensor(case["input"], dtype=torch.float64, requires_grad=True)
        y = module(x)
        y.backward(torch.tensor(case["gradOutput"], dtype=torch.float64))
        result = {"output": y.tolist(), "gradInput": x.grad.tolist()}
        if isinstance(module, torch.nn.Module) and getattr(module, "weight", None) is not None:
            result["gradWeight"] = module.weight.grad.tolist()
        results.append(result)
    json.dump({"results": results, "torch": torch.__version__}, open(results_file, "w"))


main()
