// dtypes: elementwise ops promote as PyTorch does; where LibTorch needs one dtype the error names
// both and the call that fixes it; setDefaultDtype makes the tensor default explicit.
import { arange, eye, getDefaultDtype, linspace, models, ones, setDefaultDtype, tensor, zeros, TorchError } from '../lib';

afterEach(() => setDefaultDtype('float32'));

describe('dtypes', () => {
  test('elementwise ops promote: float32 + float64 is float64, int64 + float32 is float32', () => {
    expect(ones([2]).add(ones([2], { dtype: 'float64' })).dtype).toBe('float64');
    expect(arange(2).add(ones([2])).dtype).toBe('float32');
    expect(arange(2).mul(0.5).toArray()).toEqual([0, 0.5]);
  });

  test('matmul of two dtypes names both and the fix', () => {
    expect(() => ones([2, 3]).matmul(ones([3, 2], { dtype: 'float64' }))).toThrow(
      "matmul: the tensors are float32 and float64; matmul needs one dtype: convert one, e.g. other.to('float32')",
    );
  });

  test('a model fed another dtype: the error names both and both fixes', () => {
    const model = models.mnistModel('linear').float();
    expect(() => model.forward(ones([2, 1, 32, 32], { dtype: 'float64' }))).toThrow(
      /must have the same dtype.*; the model is float32 but the input is float64: convert the input with input\.to\('float32'\) or the model with model\.double\(\)$/,
    );
    const double = models.mnistModel('linear').double(); // explicit: setDefaultDtype (afterEach) reaches new modules
    expect(() => double.forward(ones([2, 1, 32, 32]))).toThrow(
      /the model is float64 but the input is float32: .* or the model with model\.float\(\)$/,
    );
    expect(() => double.backward(ones([2, 1, 32, 32]), ones([2, 10]))).toThrow(TorchError);
  });

  test('mean, std and var of integers say to convert first', () => {
    expect(() => arange(6).mean()).toThrow(
      "mean: needs a floating tensor but this one is int64; convert it first: t.to('float32').mean() (PyTorch refuses it too)",
    );
    expect(() => arange(6).std()).toThrow(/^std: needs a floating tensor/);
    expect(arange(6).to('float32').mean().item()).toBe(2.5);
  });

  test('setDefaultDtype: new floating tensors, and creation ops of the table, take it', () => {
    expect(getDefaultDtype()).toBe('float32');
    setDefaultDtype('float64');
    expect([
      tensor([1.5]).dtype,
      zeros([1]).dtype,
      ones([1]).dtype,
      eye(2).dtype,
      linspace(0, 1, 3).dtype,
      arange(0, 1, 0.5).dtype,
    ]).toEqual(Array(6).fill('float64'));
    expect([arange(3).dtype, tensor([true]).dtype, eye(2, 'int64').dtype]).toEqual(['int64', 'bool', 'int64']);
    expect(models.mnistModel('linear').float().dtype).toBe('float32'); // modules are not affected
    setDefaultDtype('float32');
    expect(eye(2).dtype).toBe('float32');
    expect(() => setDefaultDtype('int64' as never)).toThrow(
      "Expected one of 'float32', 'float64' for setDefaultDtype dtype but received 'int64'",
    );
  });
});
