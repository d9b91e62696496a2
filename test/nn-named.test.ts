// Named parameters and strict constructors: Torch7's weight/bias/gradWeight/gradBias fields,
// namedParameters() with the state dict's names, new nn.Sequential(a, b, c) as PyTorch, and extra
// constructor arguments refused (JavaScript drops them silently).
import { Tensor, TorchError, cuda, manualSeed, models, nn, optim, tensor } from '../lib';

describe('named parameters', () => {
  test("a Linear's weight, bias, gradWeight and gradBias are its parameters, also after getParameters()", () => {
    manualSeed(2);
    const linear = new nn.Linear(3, 2);
    const [params] = linear.parameters();
    // references taken before getParameters() follow it too, as Torch7's fields (the tensors are re-pointed)
    const heldWeight = linear.weight!;
    const heldGradBias = linear.gradBias!;
    expect(linear.weight!.shape).toEqual([2, 3]);
    expect(linear.weight!.toArray()).toEqual(params[0].toArray());
    expect(linear.bias!.toArray()).toEqual(params[1].toArray());
    // the flat vector re-points them; the fields follow
    const [flat, flatGrad] = linear.getParameters();
    flat.fill(0.5);
    expect(linear.weight!.toArray()).toEqual([
      [0.5, 0.5, 0.5],
      [0.5, 0.5, 0.5],
    ]);
    linear.zeroGradParameters();
    const x = tensor([1, 2, 3], { dtype: 'float64' });
    linear.forward(x);
    linear.backward(x, tensor([1, -1], { dtype: 'float64' }));
    expect(linear.gradWeight!.toArray()).toEqual([
      [1, 2, 3],
      [-1, -2, -3],
    ]);
    expect(linear.gradBias!.toArray()).toEqual([1, -1]);
    expect(flatGrad.toArray()).toEqual([1, 2, 3, -1, -2, -3, 1, -1]);
    expect(heldWeight.toArray()).toEqual(linear.weight!.toArray());
    expect(heldGradBias.toArray()).toEqual([1, -1]);
    // writing through the field changes the module
    linear.weight!.fill(0);
    expect(linear.forward(x).toArray()).toEqual([0.5, 0.5]);
    // and through a second getParameters() of a container holding it
    const [outer] = new nn.Sequential(linear, new nn.Linear(2, 1)).getParameters();
    outer.fill(0.25);
    expect(heldWeight.toArray()).toEqual([
      [0.25, 0.25, 0.25],
      [0.25, 0.25, 0.25],
    ]);
  });

  test('modules without parameters, and containers, have no weight; namedParameters() gives the state dict names', () => {
    expect(new nn.Tanh().weight).toBeUndefined();
    const model = models.mnistModel('convnet', { pooling: 'max' });
    expect(model.weight).toBeUndefined();
    const named = model.namedParameters();
    expect(named.map(([name]) => name)).toEqual(['0.weight', '0.bias', '3.weight', '3.bias', '7.weight', '7.bias', '9.weight', '9.bias']);
    expect(named.map(([, t]) => t.shape)).toEqual([[64, 1, 5, 5], [64], [64, 64, 5, 5], [64], [128, 1600], [128], [10, 128], [10]]);
    expect([...nn.stateDict(model).keys()]).toEqual(named.map(([name]) => name));
    expect(new nn.SpatialConvolution(1, 2, 3, 3).namedParameters().map(([name, t]) => [name, t.shape])).toEqual([
      ['weight', [2, 1, 3, 3]],
      ['bias', [2]],
    ]);
    expect(model.namedBuffers()).toEqual([]);
  });
});

describe('strict constructors', () => {
  test('new nn.Sequential(a, b, c) adds the modules in order, as PyTorch (it built an empty model before)', () => {
    const net = new nn.Sequential(new nn.Linear(4, 3), new nn.Tanh(), new nn.Linear(3, 2));
    expect(net.size()).toBe(3);
    expect(net.forward(tensor([[1, 2, 3, 4]], { dtype: 'float64' })).shape).toEqual([1, 2]);
    expect(() => new nn.Sequential(new nn.Tanh(), 3 as never)).toThrow(
      /^Expected nn modules for new nn.Sequential\(...modules\) but argument 2 is 3$/,
    );
  });

  test('arguments beyond the signature are errors naming it (an options object was silently ignored)', () => {
    expect(
      () => new (nn.SpatialConvolution as unknown as new (...a: unknown[]) => unknown)(1, 4, 3, 3, 1, 1, 1, 1, { bias: false }),
    ).toThrow(
      /^nn.SpatialConvolution\(nInputPlane, nOutputPlane, kW, kH\[, dW, dH, padW, padH\]\) takes at most 8 arguments but received 9: argument 9 is an object$/,
    );
    const loose =
      (type: unknown, ...args: unknown[]) =>
      () =>
        new (type as new (...a: unknown[]) => unknown)(...args);
    expect(loose(nn.Linear, 4, 3, true, 1)).toThrow(
      /^nn.Linear\(inputSize, outputSize\[, bias\]\) takes at most 3 arguments but received 4: argument 4 is 1$/,
    );
    expect(loose(nn.Tanh, 1)).toThrow(/^nn.Tanh\(\) takes at most 0 arguments but received 1/);
    expect(loose(nn.ClassNLLCriterion, { weights: [1, 2] })).toThrow(/^nn.ClassNLLCriterion\(\) takes at most 0 arguments/);
    expect(loose(nn.MSECriterion, false, 1)).toThrow(/^nn.MSECriterion\(\[sizeAverage\]\) takes at most 1 argument but received 2/);
    expect(loose(nn.SpatialMaxPooling, 2, 2, 2, 2, 1)).toThrow(TorchError);
    expect(loose(nn.Dropout, 0.5, true)).toThrow(TorchError);
    expect(loose(nn.LSTM, 3, 4, 2)).toThrow(
      /^Expected an options object \{ numLayers, batchFirst, dropout, bidirectional \} for LSTM options \(argument 3\) but received 2$/,
    );
    expect(loose(nn.GRU, 3, 4, true)).toThrow(/for GRU options \(argument 3\) but received true/);
    expect(loose(nn.LSTM, 3, 4, { batchFirst: 'yes' })).toThrow(/LSTM batchFirst/);
    expect(loose(optim.Optimizer, new nn.Linear(2, 2), { method: 'sgd', config: 5 })).toThrow(
      /config object for Optimizer config but received 5/,
    );
    // a conversion that fails leaves the module as it was
    if (!cuda.isAvailable()) {
      const linear = new nn.Linear(2, 2);
      expect(() => linear.cuda()).toThrow(TorchError);
      expect([linear.device, linear.dtype]).toEqual(['cpu', 'float64']);
      expect(linear.float().dtype).toBe('float32');
    }
    expect(loose(optim.Optimizer, new nn.Linear(2, 2), { method: 'sgd' }, 3)).toThrow(/takes at most 2 arguments but received 3/);
    expect(loose(optim.Optimizer, new nn.Linear(2, 2), { method: 'sgd', config: { learningrate: 0.1 } })).toThrow(/learningrate/);
    // a subclass of a native module that overrides forward: ignored inside containers, so refused
    class MyTanh extends nn.Tanh {
      override forward(x: Tensor): Tensor {
        return x.mul(100);
      }
    }
    expect(() => new MyTanh()).toThrow(/MyTanh overrides forward of the native nn\.Tanh.*class MyTanh extends nn\.Module/);
    // the full signatures still work, and nn.load rebuilds modules with their complete arguments
    expect(loose(nn.SpatialConvolution, 1, 4, 3, 3, 1, 1, 1, 1)).not.toThrow();
    expect(loose(nn.SpatialLPPooling, 1, 2, 2, 2, 2, 2)).not.toThrow();
  });
});
