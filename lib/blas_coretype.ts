/**
 * OpenBLAS kernels for the CPU, chosen before OpenBLAS loads. Debian's OpenBLAS (0.3.21, built with
 * DYNAMIC_ARCH) picks its kernels from the CPU's family and model when it loads; an Intel model newer
 * than that OpenBLAS falls back to generic "Prescott" kernels. On a 2-core Xeon with AVX-512 and AMX
 * (issue 27), OPENBLAS_CORETYPE=SkylakeX made a 512² matmul 3.6× faster and MNIST epochs about 1.3×
 * faster. OpenBLAS reads OPENBLAS_CORETYPE in its load-time constructor, so nodetorch sets it in its
 * own environment before the addon (and with it LibTorch and OpenBLAS) loads: the kernels that the
 * CPU's instruction set supports. Only on Intel CPUs: OpenBLAS tells AMD's apart by their features
 * (an AVX-512 EPYC gets Cooperlake). A user's own OPENBLAS_CORETYPE is kept, and
 * NODETORCH_OPENBLAS_CORETYPE=0 leaves OpenBLAS to itself. A LibTorch without OpenBLAS (the wheels
 * use MKL) never reads the variable.
 */
import { CpuInfo, parseCpuinfo, readCpuinfo } from './util/cpuinfo';

/** The OpenBLAS core type for an Intel CPU described by /proc/cpuinfo's text, or undefined. */
export function openblasCoreTypeFor(cpuinfo: string): string | undefined {
  return coreTypeFor(parseCpuinfo(cpuinfo));
}

function coreTypeFor({ vendor, flags }: CpuInfo): string | undefined {
  if (vendor !== 'GenuineIntel') return undefined;
  const avx512 = ['avx512f', 'avx512bw', 'avx512vl', 'avx512dq', 'avx512cd'].every((f) => flags.has(f));
  if (avx512 && flags.has('avx512_bf16')) return 'COOPERLAKE'; // Cooper Lake and later (Sapphire Rapids: AMX too)
  if (avx512) return 'SKYLAKEX';
  if (flags.has('avx2') && flags.has('fma')) return 'HASWELL';
  return undefined;
}

/** What nodetorch set OPENBLAS_CORETYPE to at load, or null (not an Intel CPU, the user's own setting, or turned off). */
let chosen: string | null = null;

/** Sets OPENBLAS_CORETYPE for this process, unless set already or turned off; call before the addon loads. */
export function chooseOpenblasCoreType(): void {
  if (process.env.OPENBLAS_CORETYPE !== undefined || process.env.NODETORCH_OPENBLAS_CORETYPE === '0') return;
  const cpu = readCpuinfo();
  const coreType = cpu && coreTypeFor(cpu); // not Linux: OpenBLAS as it is
  if (coreType === undefined) return;
  process.env.OPENBLAS_CORETYPE = coreType;
  chosen = coreType;
}

/** The core type nodetorch chose (libtorchInfo().openblasCoreType). */
export function openblasCoreTypeChosen(): string | null {
  return chosen;
}
