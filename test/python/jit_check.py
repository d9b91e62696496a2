"""PyTorch's TorchScript on both sides of test/jit.test.ts.

  jit_check.py make DIR     scripts three modules with seeded weights and saves them to
                            DIR/<name>.pt with torch.jit.save, and their outputs on DIR/<name>.in.json
                            to DIR/<name>.out.json: an MLP, a convnet with batch normalisation and an
                            LSTM classifier
  jit_check.py make-resnet DIR   the same for torchvision's resnet18 (no weights, eval mode, traced)
  jit_check.py bump FILE OUT  copies a TorchScript file with its format version set to 99 (a file
                            from a PyTorch newer than any LibTorch)
  jit_check.py load DIR NAME STATE.pt INPUT.json
                            loads DIR/NAME.pt, then the state dict nodetorch wrote (torch.load +
                            load_state_dict), and prints the module's outputs on the input (eval)
"""
import json
import os
import sys

import torch


class LstmClassifier(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(5, 7, batch_first=True)
        self.head = torch.nn.Linear(7, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return torch.log_softmax(self.head(out[:, -1]), dim=1)


def models():
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3), torch.nn.LogSoftmax(dim=1))
    conv = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 5), torch.nn.LogSoftmax(dim=1))
    out = {
        'mlp': (torch.jit.script(mlp), [6, 4]),
        'convbn': (torch.jit.script(conv), [6, 1, 8, 8]),
        'lstm': (torch.jit.script(LstmClassifier()), [6, 4, 5]),
    }
    return out


def resnet():
    """torchvision's resnet18 (no weights), traced, where torchvision loads beside this torch."""
    torch.manual_seed(0)
    try:
        import torchvision
    except Exception:  # absent, or a wheel built for another torch
        return {}
    model = torchvision.models.resnet18(num_classes=10).eval()
    return {'resnet18': (torch.jit.trace(model, torch.randn(1, 3, 32, 32)), [2, 3, 32, 32])}


def main():
    mode, folder = sys.argv[1], sys.argv[2]
    if mode == 'bump':
        import zipfile
        with zipfile.ZipFile(folder) as src, zipfile.ZipFile(sys.argv[3], 'w') as out:
            for info in src.infolist():
                data = b'99\n' if info.filename.endswith('/version') and '/.data/' not in info.filename else src.read(info.filename)
                out.writestr(info.filename, data)
        return
    if mode in ('make', 'make-resnet'):
        made = models() if mode == 'make' else resnet()
        for name, (module, shape) in made.items():
            torch.manual_seed(1)
            x = torch.randn(shape)
            module.eval()
            with torch.no_grad():
                y = module(x)
            torch.jit.save(module, os.path.join(folder, name + '.pt'))
            with open(os.path.join(folder, name + '.in.json'), 'w') as f:
                json.dump(x.tolist(), f)
            with open(os.path.join(folder, name + '.out.json'), 'w') as f:
                json.dump({'output': y.tolist(), 'names': [n for n, _ in module.named_parameters()], 'buffers': [n for n, _ in module.named_buffers()]}, f)
        print(json.dumps({'torch': torch.__version__, 'made': sorted(made.keys())}))
    else:
        name, state_file, input_file = sys.argv[3], sys.argv[4], sys.argv[5]
        module = torch.jit.load(os.path.join(folder, name + '.pt'))
        module.load_state_dict(torch.load(state_file))
        module.eval()
        with open(input_file) as f:
            x = torch.tensor(json.load(f))
        with torch.no_grad():
            print(json.dumps({'output': module(x).tolist()}))


if __name__ == '__main__':
    main()
