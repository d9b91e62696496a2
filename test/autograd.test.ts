import { isGradEnabled, noGrad, tensor, zeros } from '../lib';
import { CHILD_TIMEOUT_MS } from './helpers/common';

describe('autograd', () => {
  test('gradients match hand-derived ones', () => {
    // f(x) = sum(x^3 + 2x) → df/dx = 3x^2 + 2
    const x = tensor([1, -2, 0.5], { dtype: 'float64', requiresGrad: true });
    x.pow(3).add(x.mul(2)).sum().backward();
    expect(x.grad!.toArray()).toEqual([5, 14, 2.75]);
  });

  test('matrix gradient: d/dW sum(W·v) = 1·vᵀ', () => {
    const W = zeros([2, 3], { dtype: 'float64', requiresGrad: true });
    const v = tensor([1, 2, 3], { dtype: 'float64' });
    W.matmul(v).sum().backward();
    expect(W.grad!.toArray()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });

  test('gradients accumulate until zeroed (like Torch7)', () => {
    const x = tensor([2], { dtype: 'float64', requiresGrad: true });
    x.mul(x).sum().backward();
    x.mul(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([8]);
    x.zeroGrad();
    expect(x.grad!.toArray()).toEqual([0]);
  });

  test('tanh backward equals 1 - tanh^2', () => {
    const x = tensor([-1, 0.3, 2], { dtype: 'float64', requiresGrad: true });
    x.tanh().sum().backward();
    const expected = [-1, 0.3, 2].map((v) => 1 - Math.tanh(v) ** 2);
    (x.grad!.toArray() as number[]).forEach((g, i) => expect(g).toBeCloseTo(expected[i], 12));
  });

  test('backward with an explicit gradient for non-scalar outputs', () => {
    const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    x.mul(3).backward(tensor([1, 10], { dtype: 'float64' }));
    expect(x.grad!.toArray()).toEqual([3, 30]);
  });

  test('noGrad stops recording and restores the mode, even on throw', () => {
    const x = tensor([1], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(isGradEnabled()).toBe(true);
    expect(() =>
      noGrad(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
    expect(x.mul(2).requiresGrad).toBe(true);
    expect(x.mul(2).detach().requiresGrad).toBe(false);
  });

  test('misuse gives clear errors', () => {
    expect(() => tensor([1, 2], { dtype: 'int64', requiresGrad: true })).toThrow(
      /only floating-point tensors can require gradients; this one is int64/,
    );
    expect(() => tensor([1, 2]).sum().backward()).toThrow(/this tensor does not require gradients/);
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow(/backward\(\) without a gradient needs a single-element output, got shape \[2\]/);
    expect(() => x.mul(2).backward(tensor([1, 2, 3]))).toThrow(/gradient shape \[3\] does not match the output shape \[2\]/);
    expect(tensor([1]).grad).toBeNull();
  });
});

test("LibTorch's warnings become process warnings, each once, with no glog banner on stderr", () => {
  const { spawnSync } = require('child_process');
  const script = `
    const t = require(${JSON.stringify(require('path').resolve(__dirname, '../dist/lib/index.js'))});
    const x = t.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const y = x.mul(2);
    process.on('warning', (w) => console.log(JSON.stringify({ name: w.name, message: w.message })));
    y.grad; y.grad;
    setTimeout(() => {}, 50);`;
  const r = spawnSync(process.execPath, ['--no-warnings', '-e', script], { timeout: CHILD_TIMEOUT_MS, encoding: 'utf8' });
  expect(r.stderr).not.toMatch(/InitGoogleLogging|W\d{8} /);
  const warnings = r.stdout
    .trim()
    .split('\n')
    .map((l: string) => JSON.parse(l));
  expect(warnings).toHaveLength(1);
  expect(warnings[0].name).toBe('LibTorchWarning');
  expect(warnings[0].message).toMatch(/The .grad attribute of a Tensor that is not a leaf Tensor is being accessed/);
});
