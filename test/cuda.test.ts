import { cuda, distributed, libtorchInfo, manualSeed, models, nn, ones, tensor, Trainer } from '../lib';

// On machines without a GPU the CUDA paths must fail cleanly; with one, they must compute.
const hasGpu = cuda.isAvailable();

// One epoch of a small model on the GPU, its data given on the CPU (moved batch by batch) or already
// on the GPU (indexed there); its parameters after the epoch.
const trainOnGpu = async (group?: distributed.ProcessGroup, dataOnGpu = false) => {
  manualSeed(2);
  const model = models.mnistModel('linear').float().cuda();
  const trainer = new Trainer({
    model,
    criterion: new nn.ClassNLLCriterion(),
    batchSize: 4,
    optimizer: { method: 'sgd', config: { learningRate: 0.1, momentum: 0.5 } },
    ...(group ? { distributed: group } : {}),
  });
  const inputs = ones([24, 1, 32, 32]).mul(tensor(Array.from({ length: 24 }, (_, i) => (i % 5) / 5)).view(24, 1, 1, 1));
  const targets = tensor(
    Array.from({ length: 24 }, (_, i) => i % 3),
    { dtype: 'int64' },
  );
  await trainer.trainEpoch(dataOnGpu ? { inputs: inputs.cuda(), targets: targets.cuda() } : { inputs, targets });
  return Array.from(trainer.parameters.cpu().data() as Float32Array);
};

describe('cuda', () => {
  test('availability and device count agree', () => {
    expect(cuda.deviceCount() > 0).toBe(hasGpu);
  });

  // (loader.test.ts checks isBuilt against the LibTorch that find-libtorch.js found)
  test('a CUDA LibTorch names its libtorch_cuda, and a visible GPU implies one', () => {
    const info = libtorchInfo();
    if (cuda.isBuilt()) expect(info.cudaLibrary).toMatch(/\/libtorch_cuda\.so$/);
    else expect(info.cudaLibrary).toBeNull();
    expect(cuda.isBuilt() || !hasGpu).toBe(true);
  });

  (hasGpu ? test.skip : test)('asking for CUDA without a GPU is a clear error that says why', () => {
    const why = cuda.isBuilt() ? 'no GPU is visible to this CUDA LibTorch' : 'this LibTorch was built without CUDA';
    expect(() => tensor([1], { device: 'cuda' })).toThrow(`fromBuffer: device 'cuda' requested but CUDA is not available: ${why}`);
    expect(() => ones([2]).cuda()).toThrow(/CUDA is not available/);
    expect(() => ones([2]).to('cuda:1')).toThrow(/CUDA is not available/);
  });

  (hasGpu ? test : test.skip)('tensors compute on the GPU and come back', () => {
    const a = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { device: 'cuda' },
    );
    expect(a.device).toBe('cuda:0');
    expect(a.matmul(a).cpu().toArray()).toEqual([
      [7, 10],
      [15, 22],
    ]);
    expect(() => a.add(ones([2, 2]))).toThrow(/cuda:0.*cpu|cpu.*cuda:0/);
    expect(() => tensor([1], { device: `cuda:${cuda.deviceCount()}` as 'cuda' })).toThrow(/only \d+ CUDA device/);
  });

  (hasGpu ? test : test.skip)('a Trainer takes data already on the GPU and trains as with data on the CPU', async () => {
    expect(await trainOnGpu(undefined, true)).toEqual(await trainOnGpu());
  });
});

// Data-parallel on the GPU: Gloo (CUDA tensors through CPU copies) and, where built, NCCL (GPU to
// GPU). A group of one process: what one GPU allows (NCCL refuses two ranks on one device).
describe('distributed on CUDA', () => {
  const port = () => 29600 + (process.pid % 300);
  for (const backend of ['gloo', 'nccl'] as const) {
    (hasGpu && distributed.isAvailable(backend) ? test : test.skip)(
      `${backend}: collectives on CUDA tensors; a Trainer on a group of one trains as without one`,
      async () => {
        const group = await distributed.init({ backend, rank: 0, worldSize: 1, masterPort: port() + (backend === 'nccl' ? 1 : 0) });
        try {
          const x = tensor([1, 2], { device: 'cuda' });
          await group.allreduce(x, 'avg');
          await group.broadcast(x, 0);
          expect(x.cpu().toArray()).toEqual([1, 2]);
          const cpuTensor = tensor([3]);
          await group.allreduce(cpuTensor);
          expect(cpuTensor.toArray()).toEqual([3]);
          expect(await trainOnGpu(group)).toEqual(await trainOnGpu());
        } finally {
          group.destroy();
        }
      },
    );
  }

  (distributed.isAvailable('nccl') ? test.skip : test)("'nccl' where it is not built: an error that says what it needs", async () => {
    await expect(distributed.init({ backend: 'nccl', worldSize: 1 })).rejects.toThrow(
      "the 'nccl' backend is not in this build (it needs a CUDA LibTorch and NCCL's nccl.h when nodetorch is built)",
    );
  });
});
