// Printing: console.log(t) shows the values as PyTorch lays them out, then shape, dtype, device.
import { inspect } from 'util';
import { arange, manualSeed, ones, randn, tensor, zeros } from '../lib';

describe('tensors print their values', () => {
  test('floats: aligned, 4 decimals, whole numbers as "1.", scientific when magnitudes differ widely', () => {
    expect(
      String(
        tensor([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toBe('tensor([[1., 2.],\n        [3., 4.]], shape=[2, 2], dtype=float32, device=cpu)');
    expect(
      String(
        tensor(
          [
            [1.5, -2.25],
            [3, 4],
          ],
          { dtype: 'float64' },
        ),
      ),
    ).toBe('tensor([[ 1.5000, -2.2500],\n        [ 3.0000,  4.0000]], shape=[2, 2], dtype=float64, device=cpu)');
    expect(String(tensor([1e-6, 1, NaN, Infinity]))).toBe(
      'tensor([1.0000e-06, 1.0000e+00,        nan,        inf], shape=[4], dtype=float32, device=cpu)',
    );
    expect(String(tensor(3.5))).toBe('tensor(3.5000, shape=[], dtype=float32, device=cpu)');
  });

  test('integers, booleans, empty tensors, requiresGrad', () => {
    expect(String(arange(4))).toBe('tensor([0, 1, 2, 3], shape=[4], dtype=int64, device=cpu)');
    expect(String(tensor([true, false]))).toBe('tensor([ true, false], shape=[2], dtype=bool, device=cpu)');
    expect(String(zeros([0, 3]))).toBe('tensor([], shape=[0, 3], dtype=float32, device=cpu)');
    expect(String(ones([2], { requiresGrad: true }))).toBe('tensor([1., 1.], shape=[2], dtype=float32, device=cpu, requiresGrad=true)');
  });

  test('three dimensions are separated by a blank line, as PyTorch does', () => {
    manualSeed(0);
    // PyTorch 2.x: torch.manual_seed(0); torch.randn(2, 3, 4)
    expect(String(randn([2, 3, 4]))).toBe(
      'tensor([[[-1.1258, -1.1524, -0.2506, -0.4339],\n' +
        '         [ 0.8487,  0.6920, -0.3160, -2.1152],\n' +
        '         [ 0.4681, -0.1577,  1.4437,  0.2660]],\n\n' +
        '        [[ 0.1665,  0.8744, -0.1435, -0.1116],\n' +
        '         [ 0.9318,  1.2590,  2.0050,  0.0537],\n' +
        '         [ 0.6181, -0.4128, -0.8411, -2.3160]]], shape=[2, 3, 4], dtype=float32, device=cpu)',
    );
  });

  test('beyond 1000 elements, each dimension shows its first and last 3 entries', () => {
    const text = String(arange(2000).view(40, 50));
    expect(text.split('\n')).toEqual([
      'tensor([[   0,    1,    2, ...,   47,   48,   49],',
      '        [  50,   51,   52, ...,   97,   98,   99],',
      '        [ 100,  101,  102, ...,  147,  148,  149],',
      '        ...,',
      '        [1850, 1851, 1852, ..., 1897, 1898, 1899],',
      '        [1900, 1901, 1902, ..., 1947, 1948, 1949],',
      '        [1950, 1951, 1952, ..., 1997, 1998, 1999]], shape=[40, 50], dtype=int64, device=cpu)',
    ]);
  });

  test('console.log and util.inspect show the same text; a disposed tensor says so', () => {
    const t = tensor([1, 2]);
    expect(inspect(t)).toBe(String(t));
    t.dispose();
    expect(String(t)).toBe('Tensor(disposed)');
    expect(inspect(t)).toBe('Tensor(disposed)');
  });
});
