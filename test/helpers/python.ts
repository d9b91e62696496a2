// The Python with torch that tests proving files against PyTorch run: NODETORCH_TEST_PYTHON,
// $PYTHON, the venvs CI makes in ~/.cache/nodetorch/venvs, or python3; undefined where none has torch.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export function pythonWithTorch(): string | undefined {
  const venvs = path.join(os.homedir(), '.cache', 'nodetorch', 'venvs');
  const cached = fs.existsSync(venvs) ? fs.readdirSync(venvs).map((v) => path.join(venvs, v, 'bin', 'python')) : [];
  const candidates = [process.env.NODETORCH_TEST_PYTHON, process.env.PYTHON, ...cached, 'python3'].filter((p): p is string => Boolean(p));
  return candidates.find((python) => spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
}
