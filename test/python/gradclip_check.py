"""PyTorch's gradient clipping in its training loop (test/gradclip.test.ts): an MLP (Linear 4→5, Tanh,
Linear 5→3, LogSoftmax) with NLLLoss, minibatches in order, each step: zero_grad, backward,
clip_grad_value_ then clip_grad_norm_ (where given), optimizer.step. Prints the final parameters.

Usage: gradclip_check.py SPEC.json   (SPEC: {params: {name: values}, inputs, targets, batch,
                                        method: 'sgd'|'adamw', lr, clipNorm, clipValue})
"""
import json
import sys

import torch

torch.set_default_dtype(torch.float64)


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    model = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3), torch.nn.LogSoftmax(dim=1))
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.tensor(spec['params'][name]).reshape(p.shape))
    x = torch.tensor(spec['inputs'])
    y = torch.tensor(spec['targets'], dtype=torch.long)
    opt = torch.optim.SGD(model.parameters(), lr=spec['lr']) if spec['method'] == 'sgd' else torch.optim.AdamW(model.parameters(), lr=spec['lr'], weight_decay=0)
    for start in range(0, x.shape[0], spec['batch']):
        opt.zero_grad()
        loss = torch.nn.functional.nll_loss(model(x[start:start + spec['batch']]), y[start:start + spec['batch']])
        loss.backward()
        if spec['clipValue']:
            torch.nn.utils.clip_grad_value_(model.parameters(), spec['clipValue'])
        if spec['clipNorm']:
            torch.nn.utils.clip_grad_norm_(model.parameters(), spec['clipNorm'])
        opt.step()
    print(json.dumps({name: p.detach().flatten().tolist() for name, p in model.named_parameters()}))


if __name__ == '__main__':
    main()
