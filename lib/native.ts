/**
 * The private native surface: loads the addon (local build, then prebuilds/) and types every
 * export in one place. Public classes wrap these functions; users never see them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { prebuildsOnly } from './config';
import { chooseOpenblasCoreType } from './blas_coretype';
import { TorchError } from './errors';
import { libtorchForPrebuild, PrebuildManifest, preloadLibTorch } from './native_libtorch';

/** An opaque, type-tagged native tensor handle. */
export interface NativeTensor {
  readonly __nativeTensor: unique symbol;
}

export type DTypeName = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'uint8' | 'bool';
export type TypedData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

export interface NativeBinding {
  init(classes: { TorchError: typeof TorchError }): void;
  libtorchVersion(): string;
  libtorchInfo(): Omit<LibTorchInfo, 'addon' | 'openblasCoreType'>;
  // lifetime
  dispose(t: NativeTensor): boolean;
  isDisposed(t: NativeTensor): boolean;
  memory(): { tensors: number; bytes: number };
  cpuCache(): { enabled: boolean; cachedBytes: number; capBytes: number };
  emptyCache(): void;
  mallocInUse(): number | undefined;
  // creation
  fromBuffer(values: TypedData | Uint16Array, shape: number[], dtype: DTypeName, device: string): NativeTensor;
  full(shape: number[], value: number, dtype: DTypeName, device: string): NativeTensor;
  rand(shape: number[], dtype: DTypeName, device: string): NativeTensor;
  randn(shape: number[], dtype: DTypeName, device: string): NativeTensor;
  randperm(n: number, dtype: DTypeName, device: string): NativeTensor;
  arange(start: number, end: number, step: number, dtype: DTypeName, device: string): NativeTensor;
  manualSeed(seed: number): void;
  rngState(): NativeTensor;
  setRngState(state: NativeTensor): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  cudaDeviceCount(): number;
  // reading
  shape(t: NativeTensor): number[];
  strides(t: NativeTensor): number[];
  dtype(t: NativeTensor): DTypeName;
  device(t: NativeTensor): string;
  /** bits: float16 and bfloat16 as their bit patterns (a Uint16Array) instead of widened to float32. */
  data(t: NativeTensor, bits?: boolean): TypedData | Uint16Array;
  item(t: NativeTensor): number | boolean;
  requiresGrad(t: NativeTensor): boolean;
  // math
  copyFrom(dst: NativeTensor, src: NativeTensor): void;
  fill(dst: NativeTensor, value: number): void;
  // shape
  view(t: NativeTensor, shape: number[]): NativeTensor;
  reshape(t: NativeTensor, shape: number[]): NativeTensor;
  transpose(t: NativeTensor, d0: number, d1: number): NativeTensor;
  permute(t: NativeTensor, dims: number[]): NativeTensor;
  squeeze(t: NativeTensor, dim: number | null): NativeTensor;
  unsqueeze(t: NativeTensor, dim: number): NativeTensor;
  contiguous(t: NativeTensor): NativeTensor;
  clone(t: NativeTensor): NativeTensor;
  detach(t: NativeTensor): NativeTensor;
  index(t: NativeTensor, specs: (number | null | [number, number, number])[]): NativeTensor;
  indexSelect(t: NativeTensor, dim: number, index: NativeTensor): NativeTensor;
  cat(ts: NativeTensor[], dim: number): NativeTensor;
  to(t: NativeTensor, dtype: DTypeName | null, device: string | null): NativeTensor;
  // autograd
  setRequiresGrad(t: NativeTensor, flag: boolean): void;
  backward(t: NativeTensor, grad: NativeTensor | null): void;
  grad(t: NativeTensor): NativeTensor | null;
  zeroGrad(t: NativeTensor): void;
  setGradEnabled(flag: boolean): void;
  isGradEnabled(): boolean;
  // nn
  moduleCreate(type: string, options: Record<string, number | boolean | string | number[]>): NativeModule;
  // modules written in TypeScript (native/nn_jsmodule.cc)
  moduleJsCreate(className: string, forward: (input: unknown) => unknown): NativeModule;
  moduleJsParameter(m: NativeModule, name: string, init: NativeTensor): void;
  moduleJsChild(m: NativeModule, name: string, child: NativeModule): void;
  moduleJsGet(m: NativeModule, name: string): NativeTensor;
  moduleJsSnapshot(value: unknown): unknown;
  moduleJsNames(m: NativeModule): string[];
  sequentialAdd(seq: NativeModule, child: NativeModule): void;
  /** keepGraph: the input stays on its autograd graph (inside a TypeScript module's forward) instead of becoming a leaf. */
  moduleForward(m: NativeModule, input: NativeTensor, keepGraph?: boolean): NativeTensor;
  moduleBackward(m: NativeModule, input: NativeTensor, gradOutput: NativeTensor): NativeTensor;
  moduleParameters(m: NativeModule): { params: NativeTensor[]; grads: NativeTensor[] };
  moduleZeroGradParameters(m: NativeModule): void;
  moduleUpdateParameters(m: NativeModule, lr: number): void;
  moduleGetParameters(m: NativeModule): [NativeTensor, NativeTensor];
  moduleViewsFlat(m: NativeModule, flat: NativeTensor, flatGrad: NativeTensor): boolean;
  moduleSetTraining(m: NativeModule, training: boolean): void;
  moduleIsTraining(m: NativeModule): boolean;
  moduleNoBias(m: NativeModule): void;
  moduleTo(m: NativeModule, dtype: DTypeName, device: string, memoryFormat?: 'contiguous' | 'channelsLast'): void;
  moduleSetParameters(m: NativeModule, tensors: NativeTensor[]): void;
  moduleBuffers(m: NativeModule): { names: string[]; tensors: NativeTensor[] };
  moduleParameterNames(m: NativeModule): string[];
  moduleLastStates(m: NativeModule): Record<string, NativeTensor>;
  criterionCreate(type: string, options: Record<string, number | boolean | number[]>): NativeCriterion;
  criterionForward(c: NativeCriterion, input: NativeTensor, target: NativeTensor): number;
  criterionBackward(c: NativeCriterion, input: NativeTensor, target: NativeTensor): NativeTensor;
  criterionLoss(c: NativeCriterion, input: NativeTensor, target: NativeTensor): NativeTensor;
  // optim and training
  optimizerCreate(method: string, config: object): NativeOptimizer;
  optimizerState(o: NativeOptimizer): Record<string, number>;
  optimizerTensors(o: NativeOptimizer, name?: string): Record<string, NativeTensor>;
  optimizerRestore(o: NativeOptimizer, scalars: Record<string, number>, tensors: Record<string, NativeTensor>): void;
  optimStep(
    method: string,
    x: NativeTensor,
    config: object,
    state: NativeOptimizer | null,
    feval: (x: NativeTensor) => [number, NativeTensor],
  ): {
    fs: number[];
    evaluations: number;
    stoppedAtStart: boolean;
    state: NativeOptimizer;
    scalars: Record<string, number>;
    tensors: string[];
    average: NativeTensor | null;
  };
  runPass(options: NativePassOptions, onProgress: (p: NativeProgress) => void): { promise: Promise<NativePassResult>; cancel: () => void };
  gradcheckModule(m: NativeModule, input: NativeTensor, gradOutput: NativeTensor, eps: number, seed: number | null): GradcheckNative;
  gradcheckCriterion(c: NativeCriterion, input: NativeTensor, target: NativeTensor, eps: number): { input: GradcheckEntry };
  gradcheckCompare(x: NativeTensor, analytic: NativeTensor, eps: number, objective: () => number): GradcheckEntry;
  rotate(images: NativeTensor, angles: NativeTensor, mode: string): NativeTensor;
  augment(images: NativeTensor, augmentations: { kind: string; std: number; mode?: string }[]): NativeTensor;
  scheduleFactor(schedule: Record<string, unknown>, index: number): number;
  // files
  encodeArchive(json: string, tensors: NativeTensor[]): Uint8Array;
  decodeArchive(bytes: Uint8Array): { json: string; tensors: NativeTensor[]; checksummed: boolean };
  encodeStateDict(names: string[], tensors: NativeTensor[]): Uint8Array;
  callOp(name: string, overload: string, args: Record<string, unknown>): unknown;
  shareTensor(t: NativeTensor): number;
  adoptShared(id: number): NativeTensor;
  sharedWaiting(): number;
  decodeStateDict(bytes: Uint8Array): { names: string[]; tensors: NativeTensor[] };
  // distributed (native/dist_group.cc)
  distBuilt(): { gloo: boolean; nccl: boolean };
  distInit(options: {
    backend: string;
    rank: number;
    worldSize: number;
    masterAddr: string;
    masterPort: number;
    timeoutMs: number;
    ifname: string | null;
  }): Promise<NativeGroup>;
  distAllreduce(group: NativeGroup, t: NativeTensor, op: string): Promise<void>;
  distBroadcast(group: NativeGroup, t: NativeTensor, root: number): Promise<void>;
  distBarrier(group: NativeGroup): Promise<void>;
  distDestroy(group: NativeGroup): void;
}

/** The LibTorch the addon was compiled against and the one the process loaded (checked equal at load). */
export interface LibTorchInfo {
  /** Version of the headers the addon was compiled with, e.g. '2.13.0'. */
  version: string;
  /** Version of the libtorch_cpu the process loaded ('unknown' if its build settings do not say). */
  runtimeVersion: string;
  /** Path of the loaded libtorch_cpu shared library. */
  library: string;
  /** Path of the addon file that was loaded: a local build (build/Release) or a prebuild. */
  addon: string;
  /** Path of the loaded libtorch_cuda, or null for a CPU-only LibTorch. */
  cudaLibrary: string | null;
  /** Whether the addon uses the C++11 std::string ABI (must match LibTorch's). */
  cxx11Abi: boolean;
  /**
   * The BLAS behind LibTorch's CPU matrix products: 'MKL' (the wheels), or OpenBLAS and its build,
   * e.g. 'OpenBLAS (OpenMP build, 2 threads): OpenBLAS 0.3.21 …'. The OpenMP build shares LibTorch's
   * threads; nodetorch keeps a pthreads build on one thread, so that its own pool does not fight
   * LibTorch's for the cores (see docs/troubleshooting.md).
   */
  blas: string;
  /**
   * The OpenBLAS kernels nodetorch asked for (OPENBLAS_CORETYPE, set before OpenBLAS loaded) on an
   * Intel CPU that an older OpenBLAS would give generic kernels, e.g. 'SKYLAKEX'; null where it set
   * nothing (see lib/blas_coretype.ts).
   */
  openblasCoreType: string | null;
  /**
   * Whether a collected Tensor's native memory is freed during the garbage collection itself (Node
   * versions with `node_api_post_finalizer`), rather than when the event loop next turns, so that
   * a synchronous loop without tidy() stays bounded. `NODETORCH_GC_FINALIZERS=0` turns it off.
   */
  tensorsFreedInGc: boolean;
}

/** Opaque handles of native modules, criteria and optimizers. */
export interface NativeModule {
  readonly __nativeModule: unique symbol;
}
export interface NativeCriterion {
  readonly __nativeCriterion: unique symbol;
}
export interface NativeGroup {
  readonly __nativeGroup: unique symbol;
}
export interface NativeOptimizer {
  readonly __nativeOptimizer: unique symbol;
}

/** Options of one native pass over a dataset (see native/train_job.cc). */
export interface NativePassOptions {
  model: NativeModule;
  criterion: NativeCriterion;
  train: boolean;
  /** A channels-last model: 4-D batches are converted to NHWC once, before the forward pass. */
  channelsLast?: boolean;
  augment?: { kind: string; std: number; mode?: string }[];
  optimizer?: NativeOptimizer;
  params?: NativeTensor;
  grads?: NativeTensor;
  inputs: NativeTensor;
  targets: NativeTensor;
  batchSize: number;
  classes: number;
  shuffle: boolean;
  dtype: DTypeName;
  device: string;
  /** Real targets shaped like the output (no confusion matrix). */
  regression?: boolean;
  /** Training: the learning rate's factor, and a per-step schedule from firstStep. */
  rateScale?: number;
  schedule?: Record<string, unknown>;
  firstStep?: number;
  /** The samples to visit, in order (int64 indices into inputs); default all, shuffled if `shuffle`. */
  order?: NativeTensor;
  /** Data-parallel training: gradients and losses are averaged over this group's ranks. */
  group?: NativeGroup;
  /** Training: report after every step (with its loss), for per-batch callbacks. */
  reportEachStep?: boolean;
  /** Autocast the forward pass to this dtype ('bfloat16' or 'float16'). */
  autocast?: string;
  /** fp16 training: the loss scale and its good steps. */
  lossScale?: number;
  lossScaleGoodSteps?: number;
  /** Training: gradient clipping by norm and by value (0 or absent: off). */
  gradClipNorm?: number;
  gradClipValue?: number;
  /** The Trainer's weight average: updated by training passes (with its decay and updates so far), evaluated with by test passes. */
  average?: NativeTensor;
  averageDecay?: number;
  averageUpdates?: number;
  /** Record the operators of the pass's first profileBatches batches with LibTorch's profiler; the result's `trace` holds them. */
  profileBatches?: number;
}
export interface NativePassResult {
  /** Classification: the classes×classes counts. */
  confusion?: NativeTensor;
  /** Regression: Σ|error|, Σerror², element count. */
  errors?: NativeTensor;
  loss: number;
  samples: number;
  /** Optimizer steps taken. */
  steps: number;
  seconds: number;
  aborted: boolean;
  /** Training: each step's loss and learning-rate factor. */
  stepLosses: Float64Array;
  stepRates: Float64Array;
  /** precision 'fp16' training passes: the loss scale after the pass, its good steps, and the steps skipped for overflow. */
  lossScale?: number;
  lossScaleGoodSteps?: number;
  skippedSteps?: number;
  /** Training with a weight average: its updates after the pass. */
  averageUpdates?: number;
  /** With profileBatches: the operators as a Chrome trace (a JSON array of events), the batches recorded and their wall time. */
  trace?: string;
  profiledBatches?: number;
  profiledSeconds?: number;
}
export interface NativeProgress {
  done: number;
  total: number;
  loss: number;
  /** With reportEachStep: the step just taken (1-based in the pass) and its loss. */
  step?: number;
  stepLoss?: number;
}

export interface GradcheckEntry {
  maxError: number;
  maxAnalytic: number;
}
export interface GradcheckNative {
  input: GradcheckEntry;
  params: GradcheckEntry[];
}

/** The package root (holds package.json), whether running from lib/ (ts-jest) or dist/lib/. */
export function packageRoot(): string {
  let dir = __dirname;
  while (dir !== path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'nodetorch') return dir;
    dir = path.dirname(dir);
  }
  throw new TorchError(`nodetorch: cannot find the package root above ${__dirname}`);
}

export type { PrebuildManifest } from './native_libtorch';

/** A file the loader may try: a prebuild comes with its manifest (the LibTorch it was built for). */
export interface AddonCandidate {
  file: string;
  manifest?: PrebuildManifest;
}

function readManifest(file: string): PrebuildManifest | undefined {
  const manifestFile = file.replace(/\.node$/, '.json');
  if (!fs.existsSync(manifestFile)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as PrebuildManifest;
  } catch (e) {
    throw new TorchError(`nodetorch: cannot read the prebuild manifest ${manifestFile}: ${(e as Error).message}`);
  }
}

function describeLibTorch(m: PrebuildManifest): string {
  return `LibTorch ${m.libtorch.version} (${m.libtorch.variant})`;
}

/** Candidate addon files in the order they are tried. */
export function addonCandidates(root: string): AddonCandidate[] {
  const local = ['Release', 'Debug'].map((c) => ({ file: path.join(root, 'build', c, 'nodetorch.node') }));
  const prebuildDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  const names = fs.existsSync(prebuildDir)
    ? fs
        .readdirSync(prebuildDir)
        .filter((f) => f.endsWith('.node') && f !== 'nodetorch-preload.node')
        .sort()
    : [];
  // the LibTorch for each prebuild is looked for when the loader reaches it (load(), libtorchFor)
  const prebuilt: AddonCandidate[] = names.map((name) => ({
    file: path.join(prebuildDir, name),
    manifest: readManifest(path.join(prebuildDir, name)),
  }));
  if (prebuilt.length === 0) prebuilt.push({ file: prebuildDir + path.sep + '*.node' });
  return prebuildsOnly() ? prebuilt : local.concat(prebuilt);
}

/** The LibTorch that a build from source would use, in words (scripts/find-libtorch.js). */
function libtorchHere(root: string): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { findLibTorch } = require(path.join(root, 'scripts', 'find-libtorch.js'));
    const found = findLibTorch();
    return `LibTorch ${found.version} (${found.cuda ? 'cuda' : 'cpu'}) in ${found.libDir}, via ${found.source}`;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

function load(): NativeBinding {
  chooseOpenblasCoreType();
  const root = packageRoot();
  const tried: string[] = [];
  const needed: string[] = [];
  for (const { file, manifest } of addonCandidates(root)) {
    if (!fs.existsSync(file)) {
      tried.push(`${file}: not found`);
      continue;
    }
    // a prebuild with a manifest runs against a LibTorch of its version, found now (a manifest-less
    // one, made before manifests, loads through its own rpath)
    let libDir: string | undefined;
    if (manifest) {
      needed.push(describeLibTorch(manifest));
      const choice = libtorchForPrebuild(root, manifest);
      if ('skip' in choice) {
        tried.push(`${file}: ${choice.skip}`);
        continue;
      }
      libDir = choice.libDir;
    }
    let preloaded = false;
    try {
      if (manifest && libDir) preloaded = preloadLibTorch(path.dirname(file), libDir, manifest);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const binding = require(file) as NativeBinding;
      binding.init({ TorchError });
      loadedFrom = file;
      return binding;
    } catch (e) {
      tried.push(`${file}: ${(e as Error).message.split('\n')[0]}`);
      // a LibTorch loaded globally stays in the process: a later candidate would run against it
      if (preloaded) {
        tried.push(`(stopped here: the LibTorch in ${libDir} is loaded now, and another addon would run against it)`);
        break;
      }
    }
  }
  throw new TorchError(
    'nodetorch: the native addon could not be loaded.\nTried:\n' +
      tried.map((t) => `  - ${t}`).join('\n') +
      `\nLibTorch on this machine: ${libtorchHere(root)}` +
      (needed.length ? `\nThe prebuilds need: ${needed.join(', ')}` : '') +
      '\nFixes:\n' +
      '  - build it from source against the LibTorch found above: npm run build (npm run setup installs everything on Debian/Ubuntu)\n' +
      "  - no LibTorch of the prebuilds' version here: NODETORCH_LIBTORCH=download npm rebuild nodetorch downloads it (no root, no compiler)\n" +
      '  - "libtorch*.so: cannot open shared object file" or "undefined symbol": the LibTorch the addon was built against moved or changed; rebuild (npm run build)\n' +
      '  - see docs/troubleshooting.md',
  );
}

let cached: NativeBinding | undefined;
let loadedFrom = '';

/** The addon file that native() loaded. */
export function addonFile(): string {
  native();
  return loadedFrom;
}

/** The loaded addon (loaded once per environment, on first use). */
export function native(): NativeBinding {
  if (!cached) cached = load();
  return cached;
}
