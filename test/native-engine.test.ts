// The C++ engine (native/engine/: modules, criteria, optimizers) built and tested without Node:
// scripts/build-engine-tests.js compiles test/native/engine_test.cc (doctest) with the engine's
// sources and LibTorch only, no Node-API header on the include path, and the binary must pass.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { libtorchInfo } from '../lib';
import { spawnSync } from 'child_process';
import { ROOT, withTool } from './helpers/common';
import { runAsync } from './helpers/libtorch-server';

const { build } = require(path.join(ROOT, 'scripts', 'build-engine-tests.js'));

// a C++ compiler that finds doctest's header (Debian: doctest-dev)
const cxx = (process.env.CXX || 'g++').split(' ').at(-1) as string;
const doctest =
  spawnSync(cxx, ['-E', '-x', 'c++', '-'], { input: '#include <doctest/doctest.h>\n', stdio: ['pipe', 'ignore', 'ignore'] }).status === 0;

jest.setTimeout(600_000); // compiling against LibTorch's headers (ccache makes a second run quick)

describe('the engine without Node', () => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-engine-'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  withTool('a C++ compiler with doctest (doctest-dev)', doctest).test(
    'compiles without Node-API against the LibTorch the addon uses, and its C++ tests pass',
    async () => {
      const { binary, libtorch } = await build(work);
      // the same LibTorch as the loaded addon, so the engine is tested as it runs
      expect(libtorch.version).toBe(libtorchInfo().version);
      const result = await runAsync(binary, ['--no-colors']);
      const summary = /test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed/.exec(result.out);
      if (result.status !== 0 || !summary) throw new Error(`engine_test failed (${result.status}):\n${result.out}`);
      const [, total, passed, failed] = summary.map(Number);
      expect(failed).toBe(0);
      expect(passed).toBe(total);
      expect(total).toBeGreaterThanOrEqual(10);
      // nothing of Node in the binary: it links LibTorch and the C++ runtime only
      const text = fs.readFileSync(binary).toString('latin1');
      expect(text).not.toMatch(/napi_create_|node_api_/);
    },
  );
});
