// The Python with torch that tests proving files against PyTorch run: NODETORCH_TEST_PYTHON,
// $PYTHON, the venvs CI makes in the cache's venvs folder ($NODETORCH_CACHE, else ~/.cache/nodetorch), or python3; undefined where none has torch.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { libtorchInfo } from '../../lib';
import { CHILD_TIMEOUT_MS } from './common';

export function pythonWithTorch(): string | undefined {
  return pythonWith(['torch']);
}

/** The first of those Pythons that imports every one of `modules` (e.g. ['torch', 'safetensors']). */
export function pythonWith(modules: string[]): string | undefined {
  const cached = cachedVenvPythons();
  const candidates = [process.env.NODETORCH_TEST_PYTHON, process.env.PYTHON, ...cached, 'python3'].filter((p): p is string => Boolean(p));
  return candidates.find(
    (python) =>
      spawnSync(python, ['-c', modules.map((m) => `import ${m}`).join('; ')], { timeout: CHILD_TIMEOUT_MS, stdio: 'ignore' }).status === 0,
  );
}

/** Runs a script of test/python with `python` and the given arguments; returns its stdout, throws with its stderr when it fails. */
export function runPython(python: string, script: string, args: string[]): string {
  const r = spawnSync(python, [path.join(__dirname, '..', 'python', script), ...args], {
    timeout: CHILD_TIMEOUT_MS,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`python failed (${r.error?.message ?? `status ${r.status}`}):\n${r.stderr}`);
  return r.stdout;
}

/**
 * A Python with torch whose version is this LibTorch's (major.minor), or the newest not newer;
 * with `importing`, one where that module loads too.
 */
export function pythonForLibTorch(importing = 'torch'): { python: string; version: string } | undefined {
  const cached = cachedVenvPythons();
  const candidates = [process.env.NODETORCH_TEST_PYTHON, process.env.PYTHON, ...cached, '/usr/bin/python3', 'python3'].filter(
    (p): p is string => Boolean(p),
  );
  const key = (v: string) => v.split('.').slice(0, 2).map(Number);
  const [major, minor] = key(libtorchInfo().version);
  const found = candidates
    .map((python) => ({
      python,
      version:
        spawnSync(python, ['-c', `import torch, ${importing}; print(torch.__version__)`], {
          timeout: CHILD_TIMEOUT_MS,
          encoding: 'utf8',
        }).stdout?.trim() ?? '',
    }))
    .filter((c) => /^\d+\.\d+/.test(c.version))
    .filter((c) => {
      const [a, b] = key(c.version);
      return a < major || (a === major && b <= minor);
    })
    .sort((x, y) => {
      const [a, b] = key(x.version);
      const [c, d] = key(y.version);
      return c - a || d - b;
    });
  return found[0];
}

/** The Pythons of the venvs .ci/run and scripts/torch-venv.sh make, in the same cache folder they use. */
function cachedVenvPythons(): string[] {
  const cache = process.env.NODETORCH_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'nodetorch');
  const venvs = path.join(cache, 'venvs');
  return fs.existsSync(venvs) ? fs.readdirSync(venvs).map((v) => path.join(venvs, v, 'bin', 'python')) : [];
}
