"""PyTorch's side of test/nn-tables.test.ts and test/nn-batchnorm.test.ts: builds the PyTorch equivalent of a nodetorch model of
containers and table modules (its spec: Torch7 types, arguments and children), loads the state dict
nodetorch wrote, runs the input (a tensor or a nested list of tensors) and back-propagates the
given gradient of the output; writes the output and the input's gradient (float64).

    python table_check.py spec.json state.pt case.json result.json
"""
import json
import sys

import torch


class Children(torch.nn.Module):
    """A container whose children are named 0, 1, … as nodetorch's state dict names them."""

    def __init__(self, children):
        super().__init__()
        for k, child in enumerate(children):
            self.add_module(str(k), child)

    def items(self):
        return list(self.children())


class Sequential(Children):
    def forward(self, x):
        for m in self.items():
            x = m(x)
        return x


class ConcatTable(Children):
    def forward(self, x):
        return [m(x) for m in self.items()]


class ParallelTable(Children):
    def forward(self, x):
        return [m(v) for m, v in zip(self.items(), x)]


def torch7_dim(dim, n_input_dims, t):
    d = t.dim() + dim if dim < 0 else dim - 1
    if dim > 0 and n_input_dims > 0 and t.dim() > n_input_dims:
        d += 1
    return d


class Concat(Children):
    def __init__(self, dim, children):
        super().__init__(children)
        self.dim = dim

    def forward(self, x):
        outs = [m(x) for m in self.items()]
        return torch.cat(outs, torch7_dim(self.dim, 0, outs[0]))


class Graph(Children):
    """nngraph's gModule as nodetorch stores it: modules in topological order, each node's parents
    (node indices, or -1 - j for input j), and the output nodes."""

    def __init__(self, n_inputs, parents, outputs, children):
        super().__init__(children)
        self.n_inputs, self.parents, self.outputs = n_inputs, parents, outputs

    def forward(self, x):
        inputs = [x] if self.n_inputs == 1 else x
        values = []
        value_of = lambda k: inputs[-1 - k] if k < 0 else values[k]
        for m, parents in zip(self.items(), self.parents):
            args = [value_of(p) for p in parents]
            values.append(m(args[0] if len(args) == 1 else args))
        outs = [value_of(k) for k in self.outputs]
        return outs[0] if len(outs) == 1 else outs


class Function(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def product(xs):
    out = xs[0]
    for x in xs[1:]:
        out = out * x
    return out


def build(spec):
    t, a, kids = spec["type"], spec["args"], [build(c) for c in spec.get("children", [])]
    if t == "Sequential":
        return Sequential(kids)
    if t == "ConcatTable":
        return ConcatTable(kids)
    if t == "ParallelTable":
        return ParallelTable(kids)
    if t == "Concat":
        return Concat(a[0], kids)
    if t == "gModule":
        return Graph(a[0], a[1], a[2], kids)
    if t == "Linear":
        return torch.nn.Linear(a[0], a[1])
    if t in ("SpatialConvolution", "SpatialConvolutionMM"):
        n_in, n_out, kw, kh, dw, dh, pw, ph = a
        return torch.nn.Conv2d(n_in, n_out, (kh, kw), (dh, dw), (ph, pw))
    if t == "BatchNormalization":
        return torch.nn.BatchNorm1d(a[0], eps=a[1], momentum=a[2], affine=a[3])
    if t == "SpatialBatchNormalization":
        return torch.nn.BatchNorm2d(a[0], eps=a[1], momentum=a[2], affine=a[3])
    if t == "Tanh":
        return torch.nn.Tanh()
    if t == "ReLU":
        return torch.nn.ReLU()
    if t == "Sigmoid":
        return torch.nn.Sigmoid()
    functions = {
        "Identity": lambda x: x,
        "CAddTable": lambda xs: sum(xs[1:], xs[0]),
        "CMulTable": product,
        "JoinTable": lambda xs: torch.cat(xs, torch7_dim(a[0], a[1], xs[0])),
        "SplitTable": lambda x: list(torch.unbind(x, torch7_dim(a[0], a[1], x))),
        "SelectTable": lambda xs: xs[a[0] - 1] if a[0] > 0 else xs[a[0]],
        "Narrow": lambda x: x.narrow(
            torch7_dim(a[0], 0, x), a[1] - 1, a[2] if a[2] > 0 else x.size(torch7_dim(a[0], 0, x)) - a[1] + a[2] + 2
        ),
    }
    if t in functions:
        return Function(functions[t])
    raise SystemExit(f"no PyTorch equivalent written for {t}")



def to_tensor(v, grad):
    if isinstance(v, dict):
        return [to_tensor(e, grad) for e in v["table"]]
    return torch.tensor(v, dtype=torch.float64, requires_grad=grad)


def leaves(v):
    return [t for e in v for t in leaves(e)] if isinstance(v, list) else [v]


def to_json(v):
    return {"table": [to_json(e) for e in v]} if isinstance(v, list) else v.tolist()


def main():
    spec_file, state_file, case_file, result_file = sys.argv[1:]
    model = build(json.load(open(spec_file))).double()
    model.load_state_dict(torch.load(state_file))
    case = json.load(open(case_file))
    model.train(case.get("train", True))
    x = to_tensor(case["input"], True)
    y = model(x)
    grads = leaves(to_tensor(case["gradOutput"], False))
    outputs = leaves(y)
    torch.autograd.backward(outputs, grads)
    def gradient(v):  # the input's gradient in its structure; zeros where none flowed
        if isinstance(v, list):
            return {"table": [gradient(e) for e in v]}
        return (v.grad if v.grad is not None else torch.zeros_like(v)).tolist()

    grad_input = gradient(x)
    state = {name: t.tolist() for name, t in model.state_dict().items()}  # the running estimates after the forward
    grads = {name: p.grad.tolist() for name, p in model.named_parameters() if p.grad is not None}
    result = {"output": to_json(y), "gradInput": grad_input, "state": state, "gradParameters": grads, "torch": torch.__version__}
    json.dump(result, open(result_file, "w"))


main()
