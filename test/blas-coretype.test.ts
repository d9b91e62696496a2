// OpenBLAS's kernels chosen before it loads (lib/blas_coretype.ts): the choice from /proc/cpuinfo,
// and, where LibTorch uses OpenBLAS (Debian's libtorch-dev), that OpenBLAS takes what JavaScript set
// in process.env before the addon loaded.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { openblasCoreTypeFor } from '../lib/blas_coretype';
import { CHILD_TIMEOUT_MS, ROOT } from './helpers/common';
import { libtorchInfo } from '../lib';

// read before the addon loads (at the first libtorchInfo()), which may set it
const userSetting = process.env.OPENBLAS_CORETYPE;

// /proc/cpuinfo's first lines as these CPUs print them (flags trimmed to the ones that matter and a few others)
const cpu = (vendor: string, flags: string) =>
  `processor\t: 0\nvendor_id\t: ${vendor}\ncpu family\t: 6\nflags\t\t: fpu sse sse2 ${flags}\n\nprocessor\t: 1\n`;
const SAPPHIRE_RAPIDS = cpu(
  'GenuineIntel',
  'avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16 avx512_fp16 amx_bf16 amx_tile amx_int8',
);
const SKYLAKE_SP = cpu('GenuineIntel', 'avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl');
const HASWELL = cpu('GenuineIntel', 'avx avx2 fma');
const EPYC_ZEN4 = cpu('AuthenticAMD', 'avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16');

describe('OpenBLAS core type', () => {
  test('Intel CPUs get the kernels their instruction set supports; AMD and older CPUs are left to OpenBLAS', () => {
    expect(openblasCoreTypeFor(SAPPHIRE_RAPIDS)).toBe('COOPERLAKE');
    expect(openblasCoreTypeFor(SKYLAKE_SP)).toBe('SKYLAKEX');
    expect(openblasCoreTypeFor(HASWELL)).toBe('HASWELL');
    expect(openblasCoreTypeFor(EPYC_ZEN4)).toBeUndefined();
    expect(openblasCoreTypeFor(cpu('GenuineIntel', 'avx'))).toBeUndefined();
    expect(openblasCoreTypeFor('')).toBeUndefined();
  });

  test("libtorchInfo() says what nodetorch set, from this machine's CPU", () => {
    const expected = openblasCoreTypeFor(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    expect(libtorchInfo().openblasCoreType).toBe(userSetting === undefined ? (expected ?? null) : null);
  });

  const run = (code: string, env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ['-e', code], { cwd: ROOT, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, env: { ...process.env, ...env } });

  // Only a LibTorch that uses OpenBLAS reads the variable (the wheels use MKL).
  const openblas = libtorchInfo().blas.startsWith('OpenBLAS');
  (openblas ? test : test.skip)('OpenBLAS takes the core type set in process.env before the addon loads; a user setting is kept', () => {
    const env = { ...process.env };
    delete env.OPENBLAS_CORETYPE;
    const set = spawnSync(
      process.execPath,
      [
        '-e',
        "process.env.OPENBLAS_CORETYPE = 'Haswell'; const i = require('./dist/lib').libtorchInfo(); console.log(i.blas + '|' + i.openblasCoreType)",
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, env },
    );
    expect(set.stdout).toMatch(/ Haswell .*\|null/);
    const user = run("const i = require('./dist/lib').libtorchInfo(); console.log(i.blas + '|' + i.openblasCoreType)", {
      OPENBLAS_CORETYPE: 'Prescott',
    });
    expect(user.stdout).toMatch(/ Prescott .*\|null/);
    const off = run("console.log(process.env.OPENBLAS_CORETYPE === undefined, require('./dist/lib').libtorchInfo().openblasCoreType)", {
      OPENBLAS_CORETYPE: undefined,
      NODETORCH_OPENBLAS_CORETYPE: '0',
    });
    expect(off.stdout.trim()).toBe('true null');
  });
});
