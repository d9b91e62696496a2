"""PyTorch's weight average for test/ema.test.ts: AveragedModel with get_ema_multi_avg_fn(decay), fed
each step's flat parameters (a JSON list of lists in the file argv[1]); prints the average."""
import json
import sys

import torch
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

sequence = json.load(open(sys.argv[1]))
model = torch.nn.Linear(len(sequence[0]), 1, bias=False).double()
averaged = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(float(sys.argv[2])))
for p in sequence:
    with torch.no_grad():
        model.weight.copy_(torch.tensor(p, dtype=torch.double).view(1, -1))
    averaged.update_parameters(model)
print(json.dumps(averaged.module.weight.view(-1).tolist()))
