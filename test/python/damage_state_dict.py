"""Python's side of the damaged state dict tests in test/file-integrity.test.ts: torch.save writes a
state dict, then this script damages it the way a disk or a crafted file would, and reports what
Python's own readers make of it (zipfile.testzip, torch.load).

    python damage_state_dict.py flip FILE       one bit flipped inside the first tensor's data
    python damage_state_dict.py duplicate FILE  the key '1.bias' given twice in the pickle
    python damage_state_dict.py duplicate-ordered FILE  the same, in an OrderedDict (model.state_dict())
Prints JSON: {"testzip": name of the entry zipfile flags | null, "loaded": {key: values} | null}.
"""
import collections
import io
import json
import sys
import zipfile

import torch

mode, file = sys.argv[1], sys.argv[2]
weight = torch.tensor([[0.123456789, -0.5]], dtype=torch.float64)
if mode == "flip":
    torch.save({"1.weight": weight, "1.bias": torch.tensor([0.25], dtype=torch.float64)}, file)
    with zipfile.ZipFile(file) as z:
        info = next(i for i in z.infolist() if i.filename.endswith("/data/0"))
    data = bytearray(open(file, "rb").read())
    # the local header: 30 bytes, then the name and the extra field, then the entry's bytes
    name_length = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_length = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_length + extra_length
    data[start + 7] ^= 0x40  # the exponent of 0.123456789
    open(file, "wb").write(bytes(data))
elif mode in ("duplicate", "duplicate-ordered"):
    # three entries, the third under a placeholder key of the same length, renamed in the pickle to
    # '1.bias': the dictionary then gives '1.bias' twice, as a crafted file can
    entries = {"1.weight": weight, "1.bias": torch.tensor([0.25], dtype=torch.float64), "1.bia_": torch.tensor([0.75], dtype=torch.float64)}
    torch.save(collections.OrderedDict(entries) if mode == "duplicate-ordered" else entries, file)
    with zipfile.ZipFile(file) as z:
        entries = [(i, z.read(i.filename)) for i in z.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for info, data in entries:
            if info.filename.endswith("/data.pkl"):
                assert data.count(b"1.bia_") == 1
                data = data.replace(b"1.bia_", b"1.bias")
            z.writestr(info.filename, data)
    open(file, "wb").write(out.getvalue())
else:
    raise SystemExit(f"unknown mode {mode}")

with zipfile.ZipFile(file) as z:
    flagged = z.testzip()
try:
    loaded = {k: v.tolist() for k, v in torch.load(file, weights_only=True).items()}
except Exception:
    loaded = None
print(json.dumps({"testzip": flagged, "loaded": loaded}))
