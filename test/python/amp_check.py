"""One SGD step of Linear + LogSoftMax + NLL under torch.autocast on the CPU, as PyTorch's AMP
recipe runs it, for test/mixed-precision.test.ts.

  amp_check.py SPEC.json   SPEC: {weight, bias, x, y, lr, dtype: 'bfloat16'|'float16'|'float32', scale?}
  prints JSON: {loss, weight, bias, skipped, scale}: the step's loss, the parameters after the step
  (float32 master weights), whether GradScaler skipped it, and the scale after it (float16 only).
"""
import contextlib
import json
import sys

import torch


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    weight = torch.tensor(spec['weight'], requires_grad=True)
    bias = torch.tensor(spec['bias'], requires_grad=True)
    x, y = torch.tensor(spec['x'], dtype=torch.float32), torch.tensor(spec['y'], dtype=torch.int64)
    sgd = torch.optim.SGD([weight, bias], lr=spec['lr'])
    dtype = getattr(torch, spec['dtype'])
    with torch.autocast('cpu', dtype=dtype) if dtype != torch.float32 else contextlib.nullcontext():
        loss = torch.nn.functional.nll_loss(torch.log_softmax(torch.nn.functional.linear(x, weight, bias), 1), y)
    out = {'loss': loss.item()}
    if dtype == torch.float16:
        # GradScaler on the CPU (torch >= 2.3), as the float16 recipe: scale, unscale, skip on inf
        scaler = torch.amp.GradScaler('cpu', init_scale=spec['scale'])
        scaler.scale(loss).backward()
        before = weight.detach().clone()
        scaler.step(sgd)
        scaler.update()
        out['skipped'] = bool(torch.equal(before, weight.detach()))
        out['scale'] = scaler.get_scale()
    else:
        loss.backward()
        sgd.step()
    out['weight'] = weight.detach().tolist()
    out['bias'] = bias.detach().tolist()
    print(json.dumps(out))


if __name__ == '__main__':
    main()
