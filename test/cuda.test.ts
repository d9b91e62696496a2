import { cuda, libtorchInfo, ones, tensor } from '../lib';

// On machines without a GPU the CUDA paths must fail cleanly; with one, they must compute.
const hasGpu = cuda.isAvailable();

describe('cuda', () => {
  test('availability and device count agree', () => {
    expect(cuda.deviceCount() > 0).toBe(hasGpu);
  });

  // (loader.test.ts checks isBuilt against the LibTorch that find-libtorch.js found)
  test('a CUDA LibTorch names its libtorch_cuda, and a visible GPU implies one', () => {
    const info = libtorchInfo();
    if (cuda.isBuilt()) expect(info.cudaLibrary).toMatch(/\/libtorch_cuda\.so$/);
    if (hasGpu) expect(cuda.isBuilt()).toBe(true);
  });

  (hasGpu ? test.skip : test)('asking for CUDA without a GPU is a clear error that says why', () => {
    const why = cuda.isBuilt() ? 'no GPU is visible to this CUDA LibTorch' : 'this LibTorch was built without CUDA';
    expect(() => tensor([1], { device: 'cuda' })).toThrow(`fromBuffer: device 'cuda' requested but CUDA is not available: ${why}`);
    expect(() => ones([2]).cuda()).toThrow(/CUDA is not available/);
    expect(() => ones([2]).to('cuda:1')).toThrow(/CUDA is not available/);
  });

  (hasGpu ? test : test.skip)('tensors compute on the GPU and come back', () => {
    const a = tensor([[1, 2], [3, 4]], { device: 'cuda' });
    expect(a.device).toBe('cuda:0');
    expect(a.matmul(a).cpu().toArray()).toEqual([[7, 10], [15, 22]]);
    expect(() => a.add(ones([2, 2]))).toThrow(/cuda:0.*cpu|cpu.*cuda:0/);
    expect(() => tensor([1], { device: `cuda:${cuda.deviceCount()}` as 'cuda' })).toThrow(/only \d+ CUDA device/);
  });
});
