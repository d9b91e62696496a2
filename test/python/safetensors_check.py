"""Python's safetensors package on nodetorch's files (test/safetensors.test.ts).

  safetensors_check.py read FILE           JSON: {metadata, tensors: {name: {dtype, shape, values}}}
  safetensors_check.py write OUT SPEC.json  writes SPEC's tensors ({name: {dtype, shape, values}})
                                            with safetensors.torch.save_file, metadata {"by": "python"}
"""
import json
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == 'read':
        tensors = load_file(path)
        with safe_open(path, framework='pt') as f:
            metadata = f.metadata() or {}
        out = {name: {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape), 'values': t.double().flatten().tolist() if t.dtype != torch.bool else t.flatten().tolist()}
               for name, t in tensors.items()}
        print(json.dumps({'metadata': metadata, 'tensors': out}))
    else:
        with open(sys.argv[3]) as f:
            spec = json.load(f)
        tensors = {name: torch.tensor(e['values'], dtype=getattr(torch, e['dtype'])).reshape(e['shape']) for name, e in spec.items()}
        save_file(tensors, path, metadata={'by': 'python'})


if __name__ == '__main__':
    main()
