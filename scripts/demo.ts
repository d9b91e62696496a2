/**
 * A short tensor demo of the foundation: creation, math, autograd, scopes and errors.
 */
import * as torch from '../lib';

torch.manualSeed(1);
console.log(
  `nodetorch on LibTorch ${torch.libtorchVersion()}, ${torch.getNumThreads()} CPU threads, CUDA devices: ${torch.cuda.deviceCount()}`,
);

torch.tidy(() => {
  const a = torch.tensor(
    [
      [1, 2],
      [3, 4],
    ],
    { dtype: 'float64' },
  );
  console.log('a =', JSON.stringify(a.toArray()), ' a·a =', JSON.stringify(a.matmul(a).toArray()));
  console.log('mean', a.mean().item(), 'unbiased std', (a.std().item() as number).toFixed(6));

  // Least squares by autograd: the gradient of mean((Xw - y)^2) at w = 0 is -2/n · Xᵀy.
  const X = torch.randn([100, 3], { dtype: 'float64' });
  const y = X.matmul(torch.tensor([2, -1, 0.5], { dtype: 'float64' }));
  const w = torch.zeros([3], { dtype: 'float64', requiresGrad: true });
  X.matmul(w).sub(y).square().mean().backward();
  const analytic = X.transpose(0, 1)
    .matmul(y)
    .mul(-2 / 100);
  console.log('autograd  ', (w.grad!.toArray() as number[]).map((v) => v.toFixed(6)).join(' '));
  console.log('analytic  ', (analytic.toArray() as number[]).map((v) => v.toFixed(6)).join(' '));
});
console.log('live tensors after tidy():', torch.memory().tensors);

try {
  torch.ones([2, 3]).matmul(torch.ones([2, 3]));
} catch (e) {
  console.log(`errors are TorchErrors: ${(e as Error).message}`);
}
