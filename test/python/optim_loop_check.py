"""PyTorch's side of test/optim-object.test.ts: the PyTorch training loop (zero_grad, loss,
backward, step) with torch.optim.AdamW from the weights nodetorch wrote (a state dict) over the same
batches; writes the weights after every step (float64).

    python optim_loop_check.py state.pt case.json result.json
"""
import json
import sys

import torch

state_file, case_file, result_file = sys.argv[1:]
case = json.load(open(case_file))
model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
model.load_state_dict(torch.load(state_file))
c = case["config"]
optimizer = torch.optim.AdamW(model.parameters(), lr=c["learningRate"], betas=(c["beta1"], c["beta2"]), eps=c["epsilon"], weight_decay=c["weightDecay"])
criterion = torch.nn.MSELoss()
losses = []
for x, y in zip(case["inputs"], case["targets"]):
    optimizer.zero_grad()
    loss = criterion(model(torch.tensor(x, dtype=torch.float64)), torch.tensor(y, dtype=torch.float64))
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
json.dump({"losses": losses, "state": {k: v.tolist() for k, v in model.state_dict().items()}}, open(result_file, "w"))
