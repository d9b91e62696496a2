"""PyTorch's float16 and bfloat16 arithmetic, as goldens for test/half-precision.test.ts.

  half_check.py SPEC.json   SPEC: {values: [...], weight: [[...]], bias: [...], input: [[...]]}
  prints JSON: for each dtype, the values rounded, the sum and softmax of the finite ones, and Linear(weight, bias)(input)
  computed in that dtype (on the CPU, as nodetorch's test does).
"""
import json
import sys

import torch


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    out = {}
    for name, dtype in (('float16', torch.float16), ('bfloat16', torch.bfloat16)):
        v = torch.tensor(spec['values'], dtype=torch.float64).to(dtype)
        # sum and softmax of the values float16 can hold (beyond 65504 they round to infinity)
        finite = torch.where(v.isinf(), torch.zeros_like(v), v)
        row = {'rounded': v.float().tolist(), 'sum': finite.sum().item()}
        if dtype == torch.bfloat16:  # float16 softmax and Linear need CPU kernels that torch 1.13 lacks
            row['softmax'] = torch.softmax(finite, 0).float().tolist()
            linear = torch.nn.Linear(len(spec['weight'][0]), len(spec['weight']))
            with torch.no_grad():
                linear.weight.copy_(torch.tensor(spec['weight']))
                linear.bias.copy_(torch.tensor(spec['bias']))
            linear = linear.to(dtype)
            row['linear'] = linear(torch.tensor(spec['input'], dtype=torch.float64).to(dtype)).float().tolist()
        out[name] = row
    print(json.dumps(out).replace('Infinity', '1e999'))  # JSON has no infinity; 1e999 parses as one


if __name__ == '__main__':
    main()
