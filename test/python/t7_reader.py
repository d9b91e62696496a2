"""An independent reader of Torch7's serialization format, written from Torch7's File.lua
(writeObject/readObject), generic/Tensor.c and generic/Storage.c (read/write), and a forward
pass over the nn objects it reads written from torch/nn's and nngraph's Lua code (eval mode).
It shares nothing with nodetorch's reader: test/torch7-files.test.ts uses it to prove that the
files torch7.save writes hold what Torch7 would read, with the fields Torch7's code uses.

Usage:
  t7_reader.py describe FILE            JSON: the value, tensors as {tensor, size, data}
  t7_reader.py forward FILE INPUT.json  JSON: the module's eval-mode output for the input(s)
  t7_reader.py ascii|long4 FILE OUT     writes the value again in ASCII mode, or with 4-byte longs
  t7_reader.py mnist IDX_DIR OUT ascii|long4   Torch7's mnist.t7 folder made from the IDX files
"""
import json
import math
import struct
import sys

import torch
import torch.nn.functional as F

TYPE_NIL, TYPE_NUMBER, TYPE_STRING, TYPE_TABLE, TYPE_TORCH, TYPE_BOOLEAN, TYPE_FUNCTION = 0, 1, 2, 3, 4, 5, 6
TYPE_RECUR_FUNCTION, LEGACY_TYPE_RECUR_FUNCTION = 8, 7

ELEMENTS = {  # Torch7 element type: struct format, torch dtype
    'Double': ('d', torch.float64), 'Float': ('f', torch.float32), 'Long': ('q', torch.int64),
    'Int': ('i', torch.int32), 'Short': ('h', torch.int16), 'Char': ('b', torch.int8), 'Byte': ('B', torch.uint8),
}


class Table(dict):
    """A Lua table: keys of any type (tables by identity)."""
    __hash__ = object.__hash__
    __eq__ = object.__eq__


class Object:
    def __init__(self, class_name, version):
        self.class_name, self.version, self.fields = class_name, version, None

    def __getitem__(self, key):
        return self.fields.get(key) if isinstance(self.fields, dict) else None


class Reader:
    def __init__(self, data):
        self.data, self.pos, self.objects = data, 0, {}

    def unpack(self, fmt, n=1):
        size = struct.calcsize('<' + fmt * n)
        if self.pos + size > len(self.data):
            raise ValueError('the file ends at byte %d' % self.pos)
        values = struct.unpack_from('<' + fmt * n, self.data, self.pos)
        self.pos += size
        return values

    def int(self):
        return self.unpack('i')[0]

    def long(self):
        return self.unpack('q')[0]

    def string(self):
        n = self.int()
        s = self.data[self.pos:self.pos + n]
        self.pos += n
        return s.decode('utf8')

    def object(self):
        tag = self.int()
        if tag == TYPE_NIL:
            return None
        if tag == TYPE_NUMBER:
            return self.unpack('d')[0]
        if tag == TYPE_BOOLEAN:
            return self.int() == 1
        if tag == TYPE_STRING:
            return self.string()
        if tag in (TYPE_TABLE, TYPE_TORCH, TYPE_RECUR_FUNCTION, LEGACY_TYPE_RECUR_FUNCTION):
            index = self.int()
            if index in self.objects:
                return self.objects[index]
            if tag == TYPE_TABLE:
                table = Table()
                self.objects[index] = table
                for _ in range(self.int()):
                    k = self.object()
                    table[k] = self.object()
                return table
            if tag == TYPE_TORCH:
                version = self.string()
                class_name = self.string() if version.startswith('V ') else version
                kind = class_name.replace('torch.', '')
                for element, (fmt, dtype) in ELEMENTS.items():
                    if kind == element + 'Storage':
                        n = self.long()
                        values = self.unpack(fmt, n)
                        storage = torch.tensor(values, dtype=dtype) if n else torch.empty(0, dtype=dtype)
                        self.objects[index] = storage
                        return storage
                    if kind == element + 'Tensor':
                        ndim = self.int()
                        size = [self.long() for _ in range(ndim)]
                        stride = [self.long() for _ in range(ndim)]
                        offset = self.long() - 1
                        storage = self.object()
                        t = torch.empty(0, dtype=dtype) if ndim == 0 or storage is None else torch.as_strided(storage, size, stride, offset).clone()
                        t.torch7_class = class_name
                        self.objects[index] = t
                        return t
                obj = Object(class_name, version)
                self.objects[index] = obj
                obj.fields = self.object()
                return obj
            n = self.int()
            self.pos += n
            fn = {'function': True}
            self.objects[index] = fn
            fn['upvalues'] = self.object()
            return fn
        raise ValueError('unknown type tag %d at byte %d' % (tag, self.pos - 4))


def read(path):
    with open(path, 'rb') as f:
        r = Reader(f.read())
    value = r.object()
    if r.pos != len(r.data):
        raise ValueError('%d bytes follow the object' % (len(r.data) - r.pos))
    return value


class Writer:
    """Writes what Reader read, in THDiskFile's ASCII mode or binary with 4-byte longs (a file
    written on Windows), as File.lua's writeObject does."""

    def __init__(self, mode):
        self.mode, self.out, self.index = mode, bytearray(), {}

    def numbers(self, fmt, values):
        if self.mode == 'ascii':
            text = {'i': '%d', 'q': '%d', 'h': '%d', 'b': '%d', 'd': '%.17g', 'f': '%.9g'}[fmt]
            if values:
                self.out += (' '.join(text % v for v in values) + '\n').encode()
        else:
            self.out += struct.pack('<' + ('i' if fmt == 'q' else fmt) * len(values), *values)

    def chars(self, b):
        self.out += b
        if self.mode == 'ascii' and len(b) > 0:
            self.out += b'\n'

    def string(self, s):
        b = s.encode('utf8')
        self.numbers('i', [len(b)])
        self.chars(b)

    def object(self, v):
        if v is None:
            return self.numbers('i', [TYPE_NIL])
        if isinstance(v, bool):
            return self.numbers('i', [TYPE_BOOLEAN, 1 if v else 0])
        if isinstance(v, (int, float)):
            self.numbers('i', [TYPE_NUMBER])
            return self.numbers('d', [float(v)])
        if isinstance(v, str):
            self.numbers('i', [TYPE_STRING])
            return self.string(v)
        is_table = isinstance(v, Table)
        self.numbers('i', [TYPE_TABLE if is_table else TYPE_TORCH])
        if id(v) in self.index:
            return self.numbers('i', [self.index[id(v)]])
        self.index[id(v)] = len(self.index) + 1
        self.numbers('i', [self.index[id(v)]])
        if is_table:
            self.numbers('i', [len(v)])
            for k, x in v.items():
                self.object(k)
                self.object(x)
            return
        if isinstance(v, Object):
            self.string('V 1')
            self.string(v.class_name)
            return self.object(v.fields)
        element = [e for e, (fmt, dtype) in ELEMENTS.items() if dtype == v.dtype][0]
        fmt = ELEMENTS[element][0]
        self.string('V 1')
        if not hasattr(v, 'torch7_class'):  # a storage
            self.string('torch.%sStorage' % element)
            self.numbers('q', [v.numel()])
            return self.raw(fmt, v)
        self.string(v.torch7_class)
        ndim = 0 if v.numel() == 0 else v.dim()
        self.numbers('i', [ndim])
        self.numbers('q', list(v.shape[:ndim]))
        self.numbers('q', list(v.stride()[:ndim]))
        self.numbers('q', [1])
        if ndim == 0:
            return self.numbers('i', [TYPE_NIL])
        self.numbers('i', [TYPE_TORCH, len(self.index) + 1])
        self.index[('storage', id(v))] = len(self.index) + 1
        self.string('V 1')
        self.string('torch.%sStorage' % element)
        self.numbers('q', [v.numel()])
        self.raw(fmt, v if hasattr(v, 'raw_bytes') else v.contiguous())

    def raw(self, fmt, t):
        if hasattr(t, 'raw_bytes'):  # bytes made here (MNIST): no round trip through a list
            return self.chars(t.raw_bytes)
        values = t.flatten().tolist()
        if fmt in ('B', 'b'):
            self.chars(struct.pack('<%d%s' % (len(values), fmt), *values))
        else:
            self.numbers(fmt, values)


def torch7_mnist(idx_dir, out_dir, mode):
    """Torch7's mnist.t7 folder from the IDX files: {data = N×1×32×32 ByteTensor (digits padded by 2),
    labels = ByteTensor 1..10}, as the study's train_32x32.t7 and test_32x32.t7."""
    import gzip
    import os
    for prefix, name in (('train', 'train_32x32.t7'), ('t10k', 'test_32x32.t7')):
        with gzip.open(os.path.join(idx_dir, prefix + '-images-idx3-ubyte.gz')) as f:
            images = f.read()[16:]
        with gzip.open(os.path.join(idx_dir, prefix + '-labels-idx1-ubyte.gz')) as f:
            labels = f.read()[8:]
        n = len(labels)
        padded = bytearray(n * 1024)
        for i in range(n):
            for r in range(28):
                start = i * 1024 + (r + 2) * 32 + 2
                padded[start:start + 28] = images[i * 784 + r * 28:(i + 1) * 784 - (27 - r) * 28]
        data = torch.empty(n, 1, 32, 32, dtype=torch.uint8)
        data.raw_bytes = bytes(padded)
        data.torch7_class = 'torch.ByteTensor'
        label_tensor = torch.empty(n, dtype=torch.uint8)
        label_tensor.raw_bytes = bytes(l + 1 for l in labels)
        label_tensor.torch7_class = 'torch.ByteTensor'
        table = Table()
        table['data'] = data
        table['labels'] = label_tensor
        w = Writer(mode)
        w.object(table)
        with open(os.path.join(out_dir, name), 'wb') as f:
            f.write(w.out)


def describe(v, seen=None):
    seen = {} if seen is None else seen
    if isinstance(v, (Table, Object)) or torch.is_tensor(v):
        if id(v) in seen:
            return {'ref': seen[id(v)]}
        seen[id(v)] = len(seen) + 1
    if torch.is_tensor(v):
        return {'tensor': getattr(v, 'torch7_class', 'storage'), 'size': list(v.shape), 'data': v.flatten().tolist()}
    if isinstance(v, Object):
        return {'class': v.class_name, 'version': v.version, 'fields': describe(v.fields, seen)}
    if isinstance(v, Table):
        if all(isinstance(k, str) for k in v):
            return {'table': {k: describe(x, seen) for k, x in v.items()}}
        return {'table': [[describe(k, seen), describe(x, seen)] for k, x in v.items()]}
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def array(t):
    """The array part (keys 1..n) of a Lua table."""
    out, i = [], 1
    while t is not None and float(i) in t:
        out.append(t[float(i)])
        i += 1
    return out


# ---- Torch7's forward (eval mode), from torch/nn's Lua ----

def conv_weight(m):
    return m['weight'].view(int(m['nOutputPlane']), int(m['nInputPlane']), int(m['kH']), int(m['kW']))


def batched(x, dims, f):
    """Torch7's modules take one sample or a batch: run f on a batch."""
    single = x.dim() == dims
    y = f(x.unsqueeze(0) if single else x)
    return y.squeeze(0) if single else y


def num(m, name, default=None):
    v = m[name]
    return default if v is None else v


def forward(m, x):
    c = m.class_name
    if c in ('nn.Sequential', 'nn.SpatialLPPooling'):
        for sub in array(m['modules']):
            x = forward(sub, x)
        return x
    if c == 'nn.Linear':
        return F.linear(x, m['weight'], m['bias'])
    if c in ('nn.SpatialConvolution', 'nn.SpatialConvolutionMM', 'nn.SpatialDilatedConvolution'):
        stride = (int(m['dH']), int(m['dW']))
        pad = (int(num(m, 'padH', 0)), int(num(m, 'padW', 0)))
        dil = (int(num(m, 'dilationH', 1)), int(num(m, 'dilationW', 1)))
        return batched(x, 3, lambda b: F.conv2d(b, conv_weight(m), m['bias'], stride, pad, dil))
    if c == 'nn.SpatialFullConvolution':
        w = m['weight'].view(int(m['nInputPlane']), int(m['nOutputPlane']), int(m['kH']), int(m['kW']))
        return batched(x, 3, lambda b: F.conv_transpose2d(b, w, m['bias'], (int(m['dH']), int(m['dW'])), (int(m['padH']), int(m['padW'])), (int(num(m, 'adjH', 0)), int(num(m, 'adjW', 0)))))
    if c == 'nn.SpatialConvolutionMap':
        table = m['connTable'].long() - 1
        kH, kW = int(m['kH']), int(m['kW'])

        def run(b):
            out = m['bias'].view(1, -1, 1, 1).repeat(b.shape[0], 1, 1, 1)
            planes = [p for p in out.unbind(1)]
            for k in range(table.shape[0]):
                i, o = table[k].tolist()
                planes[o] = planes[o] + F.conv2d(b[:, i:i + 1], m['weight'][k].view(1, 1, kH, kW), None, (int(m['dH']), int(m['dW']))).squeeze(1)
            return torch.stack(planes, 1)
        return batched(x, 3, run)
    if c == 'nn.TemporalConvolution':
        w = m['weight'].view(int(m['outputFrameSize']), int(m['kW']), int(m['inputFrameSize'])).permute(0, 2, 1)
        return batched(x, 2, lambda b: F.conv1d(b.transpose(1, 2), w, m['bias'], int(m['dW'])).transpose(1, 2))
    if c == 'nn.Tanh':
        return torch.tanh(x)
    if c == 'nn.Sigmoid':
        return torch.sigmoid(x)
    if c == 'nn.ReLU':
        return torch.where(x > m['threshold'], x, torch.full_like(x, m['val']))
    if c == 'nn.LogSoftMax':
        return F.log_softmax(x, dim=-1)
    if c == 'nn.SoftMax':
        return F.softmax(x, dim=-1)
    if c == 'nn.Identity':
        return x
    if c == 'nn.Abs':
        return x.abs()
    if c == 'nn.Square':
        return x * x
    if c == 'nn.Sqrt':
        return torch.sqrt(x + num(m, 'eps', 0))
    if c == 'nn.Power':
        return x.pow(m['pow'])
    if c == 'nn.MulConstant':
        return x * m['constant_scalar']
    if c == 'nn.AddConstant':
        return x + m['constant_scalar']
    if c == 'nn.ELU':
        return F.elu(x, m['alpha'])
    if c == 'nn.LeakyReLU':
        return F.leaky_relu(x, m['negval'])
    if c == 'nn.SoftPlus':
        return F.softplus(x, m['beta'], m['threshold'])
    if c == 'nn.HardTanh':
        return x.clamp(m['min_val'], m['max_val'])
    if c == 'nn.PReLU':
        return F.prelu(x, m['weight'])
    if c == 'nn.View':
        size = [int(v) for v in m['size'].tolist()]
        if -1 in size:
            return x.reshape(size)
        n = int(m['numElements'])
        return x.reshape(size) if x.numel() == n else x.reshape([x.numel() // n] + size)
    if c == 'nn.Reshape':
        size = [int(v) for v in m['size'].tolist()]
        return x.reshape(size) if x.numel() == int(m['nelement']) and x.shape[0] != 1 else x.reshape([x.shape[0]] + size)
    if c == 'nn.SpatialMaxPooling':
        return batched(x, 3, lambda b: F.max_pool2d(b, (int(m['kH']), int(m['kW'])), (int(m['dH']), int(m['dW']))))
    if c == 'nn.SpatialAveragePooling':
        y = batched(x, 3, lambda b: F.avg_pool2d(b, (int(m['kH']), int(m['kW'])), (int(m['dH']), int(m['dW']))))
        return y if m['divide'] else y * (m['kW'] * m['kH'])
    if c == 'nn.SpatialZeroPadding':
        return F.pad(x, (int(m['pad_l']), int(m['pad_r']), int(m['pad_t']), int(m['pad_b'])))
    if c == 'nn.Replicate':
        # a dimension of size nfeatures at `dim` (after the batch dimension where the input has more than ndim)
        offset = 1 if m['ndim'] is not None and x.dim() > m['ndim'] else 0
        return x.unsqueeze(int(m['dim']) - 1 + offset).expand(*x.shape[:int(m['dim']) - 1 + offset], int(m['nfeatures']), *x.shape[int(m['dim']) - 1 + offset:])
    if c == 'nn.SpatialSubtractiveNormalization':
        # coef: the mean estimator applied to ones (per sample); then x - localsums / coef
        one = torch.ones_like(x[0] if x.dim() == 4 else x)
        coef = forward(m['meanestimator'], one)
        sums = forward(m['meanestimator'], x)
        adjusted = (sums.reshape(-1) / coef.reshape(-1).repeat(sums.numel() // coef.numel())).reshape(x.shape)
        return x - adjusted
    if c == 'nn.CAddTable':
        out = x[0]
        for t in x[1:]:
            out = out + t
        return out
    if c == 'nn.CMulTable':
        out = x[0]
        for t in x[1:]:
            out = out * t
        return out
    if c in ('nn.ConcatTable',):
        return [forward(sub, x) for sub in array(m['modules'])]
    if c == 'nn.ParallelTable':
        return [forward(sub, xi) for sub, xi in zip(array(m['modules']), x)]
    if c == 'nn.Concat':
        return torch.cat([forward(sub, x) for sub in array(m['modules'])], int(m['dimension']) - 1)
    if c == 'nn.JoinTable':
        d = int(m['dimension']) - 1
        if m['nInputDims'] is not None and x[0].dim() == m['nInputDims'] + 1:
            d += 1
        return torch.cat(x, d)
    if c == 'nn.SelectTable':
        i = int(m['index'])
        return x[i - 1] if i > 0 else x[len(x) + i]
    if c == 'nn.Narrow':
        d = int(m['dimension']) - 1
        if d < 0:
            d += x.dim() + 1
        length = int(m['length'])
        if length < 0:
            length = x.shape[d] - int(m['index']) + length + 2
        return x.narrow(d, int(m['index']) - 1, length)
    if c in ('nn.BatchNormalization', 'nn.SpatialBatchNormalization'):
        return F.batch_norm(x, m['running_mean'], m['running_var'], m['weight'], m['bias'], False, 0.0, m['eps'])
    if c == 'nn.Dropout':
        return x  # v2: identity when evaluating
    if c == 'nn.SpatialDropout':
        return x * (1 - m['p'])
    if c == 'nn.Mean' or c == 'nn.Sum':
        d = int(m['dimension']) - 1
        if m['nInputDims'] is not None and x.dim() == m['nInputDims'] + 1:
            d += 1
        return x.mean(d) if m['sizeAverage'] else x.sum(d)
    if c == 'nn.Max':
        d = int(m['dimension']) - 1
        if m['nInputDims'] is not None and x.dim() == m['nInputDims'] + 1:
            d += 1
        return x.max(d).values
    if c == 'nn.Normalize':
        p = m['p']
        return x / (x.abs().pow(p).sum(-1, keepdim=True) + m['eps']).pow(1 / p)
    if c == 'nn.Transpose':
        for pair in array(m['permutations']):
            a, b = array(pair)
            x = x.transpose(int(a) - 1, int(b) - 1)
        return x
    if c == 'nn.SpatialUpSamplingNearest':
        return batched(x, 3, lambda b: F.interpolate(b, scale_factor=int(m['scale_factor']), mode='nearest'))
    if c == 'nn.SpatialAdaptiveMaxPooling':
        return batched(x, 3, lambda b: F.adaptive_max_pool2d(b, (int(m['H']), int(m['W']))))
    if c == 'nn.SpatialAdaptiveAveragePooling':
        return batched(x, 3, lambda b: F.adaptive_avg_pool2d(b, (int(m['H']), int(m['W']))))
    if c == 'nn.gModule':
        return graph_forward(m, x)
    raise ValueError('no forward for ' + c)


def graph_forward(g, x):
    """nngraph's gModule:updateOutput: forward nodes in order, each child's input placed at mapindex[node.data]."""
    inputs = {}  # id(data) -> {position: value}
    innode = g['innode']['data']
    inputs[id(innode)] = {1: x} if g['nInputs'] == 1 else {i + 1: v for i, v in enumerate(x)}
    for node in array(g['forwardnodes']):
        data = node['data']
        got = inputs.get(id(data), {})
        given = [got[k] for k in sorted(got)]
        if data.get('selectindex') is not None:
            out = given[0][int(data['selectindex']) - 1]
        else:
            value = given[0] if len(given) == 1 else given
            out = forward(data['module'], value) if data.get('module') is not None else value
        for child in array(node['children']):
            cdata = child['data']
            inputs.setdefault(id(cdata), {})[int(cdata['mapindex'][data])] = out
    outnode = g['outnode']['data']
    got = inputs[id(outnode)]
    outs = [got[k] for k in sorted(got)]
    return outs[0] if len(outs) == 1 else outs


def to_json(v):
    if torch.is_tensor(v):
        return v.tolist()
    return [to_json(x) for x in v]


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == 'mnist':
        return torch7_mnist(path, sys.argv[3], sys.argv[4])
    value = read(path)
    if mode == 'describe':
        print(json.dumps(describe(value)))
    elif mode in ('ascii', 'long4'):
        w = Writer(mode)
        w.object(value)
        with open(sys.argv[3], 'wb') as f:
            f.write(w.out)
    else:
        with open(sys.argv[3]) as f:
            spec = json.load(f)
        dtype = torch.float64 if spec['dtype'] == 'float64' else torch.float32
        inputs = [torch.tensor(a, dtype=dtype) for a in spec['inputs']]
        with torch.no_grad():
            out = forward(value, inputs[0] if len(inputs) == 1 else inputs)
        print(json.dumps({'output': to_json(out)}))


if __name__ == '__main__':
    main()
