import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { LibTorchInfo } from '../lib';
import { CHILD_TIMEOUT_MS, ROOT as root } from './helpers/common';

// The LibTorch the built addon reports, read in a child process (the test process need not load it).
function libtorchHere(): LibTorchInfo {
  const out = execFileSync(process.execPath, ['-e', "console.log(JSON.stringify(require('./dist/lib').libtorchInfo()))"], {
    timeout: CHILD_TIMEOUT_MS,
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

// Makes a minimal installed-package copy (package.json + dist/) in a temp folder.
function packageCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-pkg-'));
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
  return dir;
}

// In a package copy the loader's own search order is under test: NODETORCH_PREBUILDS_ONLY (CI's
// prebuild leg) must not change it.
function run(dir: string, code: string) {
  const env = { ...process.env };
  delete env.NODETORCH_PREBUILDS_ONLY;
  return spawnSync(process.execPath, ['-e', code], { timeout: CHILD_TIMEOUT_MS, cwd: dir, encoding: 'utf8', env });
}

describe('loading the addon', () => {
  test('libtorchInfo().addon names the addon file this process loaded', () => {
    const { addon } = libtorchHere();
    const expected =
      process.env.NODETORCH_PREBUILDS_ONLY === '1'
        ? path.join(root, 'prebuilds', `${process.platform}-${process.arch}`)
        : path.join(root, 'build', 'Release');
    expect(path.dirname(addon)).toBe(expected);
    expect(fs.existsSync(addon)).toBe(true);
  });

  test('require("nodetorch") resolves the package entry point', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-user-'));
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(root, path.join(dir, 'node_modules', 'nodetorch'));
    const r = run(dir, "const t = require('nodetorch'); console.log(t.ones([2]).sum().item(), t.libtorchVersion())");
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^2 \d+\.\d+/);
  });

  test('without build/, the loader uses prebuilds/<platform>-<arch>/', () => {
    const dir = packageCopy();
    const target = path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`);
    fs.mkdirSync(target, { recursive: true });
    fs.copyFileSync(libtorchHere().addon, path.join(target, 'node.napi.node'));
    const r = run(dir, "console.log(require('./dist/lib').tensor([1, 2, 3]).sum().item())");
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('6');
  });

  // A prebuild whose manifest names the LibTorch libraries it was linked against.
  function prebuildWithManifest(dir: string, name: string, libraries: string[], version: string) {
    const target = path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`);
    fs.mkdirSync(target, { recursive: true });
    fs.copyFileSync(libtorchHere().addon, path.join(target, `${name}.node`));
    const manifest = { libtorch: { version, variant: 'cpu', cxx11Abi: 1, libraries } };
    fs.writeFileSync(path.join(target, `${name}.json`), JSON.stringify(manifest));
  }

  test('a prebuild whose LibTorch is on this machine is used', () => {
    const dir = packageCopy();
    const info = libtorchHere();
    prebuildWithManifest(dir, `nodetorch-libtorch-${info.version}-cpu`, [info.library], info.version);
    const r = run(dir, "console.log(require('./dist/lib').tensor([1, 2, 3]).sum().item())");
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('6');
  });

  test('a prebuild for a LibTorch that is absent is passed over, and the error says what it needs and what is here', () => {
    const dir = packageCopy();
    fs.cpSync(path.join(root, 'scripts'), path.join(dir, 'scripts'), { recursive: true });
    prebuildWithManifest(dir, 'nodetorch-libtorch-9.9.9-cpu', ['/nonexistent/libtorch/lib/libtorch_cpu.so'], '9.9.9');
    const r = run(dir, "try { require('./dist/lib').ones([1]) } catch (e) { console.log(e.name + '|' + e.message) }");
    expect(r.stdout).toMatch(/^TorchError\|nodetorch: the native addon could not be loaded/);
    expect(r.stdout).toContain(
      'nodetorch-libtorch-9.9.9-cpu.node: built for LibTorch 9.9.9 (cpu), but /nonexistent/libtorch/lib/libtorch_cpu.so is not on this machine',
    );
    expect(r.stdout).toContain('The prebuilds need: LibTorch 9.9.9 (cpu)');
    expect(r.stdout).toContain(`LibTorch on this machine: LibTorch ${libtorchHere().version}`);
    expect(r.stdout).toContain('npm run build');
  });

  test("npm's install hook uses a matching prebuild, and otherwise names what the prebuilds need", () => {
    const dir = packageCopy();
    fs.cpSync(path.join(root, 'scripts'), path.join(dir, 'scripts'), { recursive: true });
    const info = libtorchHere();
    prebuildWithManifest(dir, 'nodetorch-libtorch-9.9.9-cpu', ['/nonexistent/libtorch/lib/libtorch_cpu.so'], '9.9.9');
    // no LibTorch to build from either: the hook fails with both facts
    const none = spawnSync(process.execPath, ['scripts/install.js'], {
      timeout: CHILD_TIMEOUT_MS,
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, LIBTORCH: '/nonexistent/libtorch' },
    });
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/LibTorch was not found/);
    expect(none.stderr).toContain('The prebuilds need: LibTorch 9.9.9 (cpu) at /nonexistent/libtorch/lib');
    prebuildWithManifest(dir, `nodetorch-libtorch-${info.version}-cpu`, [info.library], info.version);
    const ok = spawnSync(process.execPath, ['scripts/install.js'], { timeout: CHILD_TIMEOUT_MS, cwd: dir, encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`using the prebuild for LibTorch ${info.version} (cpu)`);
  });

  test('with no addon at all, the error lists what was tried and how to fix it', () => {
    const dir = packageCopy();
    const r = run(dir, "try { require('./dist/lib').ones([1]) } catch (e) { console.log(e.name + '|' + e.message) }");
    expect(r.stdout).toMatch(/^TorchError\|nodetorch: the native addon could not be loaded/);
    expect(r.stdout).toContain(path.join(dir, 'build', 'Release', 'nodetorch.node') + ': not found');
    expect(r.stdout).toContain(`prebuilds${path.sep}${process.platform}-${process.arch}`);
    expect(r.stdout).toMatch(/npm run build/);
  });

  test('a broken addon file is reported, not a crash', () => {
    const dir = packageCopy();
    fs.mkdirSync(path.join(dir, 'build', 'Release'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'build', 'Release', 'nodetorch.node'), 'not a shared object');
    const r = run(dir, "try { require('./dist/lib').ones([1]) } catch (e) { console.log(e.message) }");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/nodetorch\.node: .*(invalid ELF header|file too short)/);
  });
});

describe('finding LibTorch', () => {
  const script = path.join(root, 'scripts', 'find-libtorch.js');

  test('finds a LibTorch with headers, libraries and a CMake config', () => {
    const found = JSON.parse(execFileSync(process.execPath, [script, '--json'], { timeout: CHILD_TIMEOUT_MS, encoding: 'utf8' }));
    expect(fs.existsSync(path.join(found.cmakeDir, 'TorchConfig.cmake'))).toBe(true);
    expect(fs.existsSync(path.join(found.includeDirs[1], 'torch', 'torch.h'))).toBe(true);
    expect(found.libs).toContain('torch');
    expect(fs.existsSync(path.join(found.libDir, 'libtorch.so'))).toBe(true);
  });

  test('an explicit LIBTORCH that holds no LibTorch is an error listing what was tried', () => {
    const r = spawnSync(process.execPath, [script], {
      timeout: CHILD_TIMEOUT_MS,
      encoding: 'utf8',
      env: { ...process.env, LIBTORCH: '/nonexistent/libtorch' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/LibTorch was not found/);
    expect(r.stderr).toContain('LIBTORCH=/nonexistent/libtorch (looked for /nonexistent/libtorch/share/cmake/Torch/TorchConfig.cmake)');
    expect(r.stderr).toMatch(/apt-get install libtorch-dev/);
  });

  test('the process runs exactly the LibTorch that find-libtorch.js found and the addon was compiled against', () => {
    const found = JSON.parse(execFileSync(process.execPath, [script, '--json'], { timeout: CHILD_TIMEOUT_MS, encoding: 'utf8' }));
    const info = libtorchHere();
    expect(info.version).toBe(found.version);
    expect(info.runtimeVersion).toBe(found.version);
    expect(fs.realpathSync(path.dirname(info.library))).toBe(fs.realpathSync(found.libDir));
    expect(info.cudaLibrary !== null).toBe(found.cuda);
    // every LibTorch library the addon needs resolves into that one folder
    const ldd = execFileSync('ldd', [info.addon], { timeout: CHILD_TIMEOUT_MS, encoding: 'utf8' });
    const libraries = [...ldd.matchAll(/^\s*lib(?:torch|c10)\S*\.so\S* => (\S+)/gm)].map((m) => m[1]);
    expect(libraries.length).toBeGreaterThanOrEqual(3);
    for (const lib of libraries) expect(fs.realpathSync(path.dirname(lib))).toBe(fs.realpathSync(found.libDir));
  });

  // CI sets NODETORCH_OTHER_LIBTORCH to the lib folder of a LibTorch of another version (leg 2: the
  // CUDA wheel's, while the addon is built against the CPU wheel's).
  const other = process.env.NODETORCH_OTHER_LIBTORCH;
  (other ? test : test.skip)('a process that loads another LibTorch than the one compiled against is refused at load', () => {
    const r = spawnSync(
      process.execPath,
      ['-e', "try { require('./dist/lib').ones([1]) } catch (e) { console.log(e.name + '|' + e.message) }"],
      { timeout: CHILD_TIMEOUT_MS, cwd: root, encoding: 'utf8', env: { ...process.env, LD_LIBRARY_PATH: other } },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^TorchError\|nodetorch: the native addon could not be loaded/);
    expect(r.stdout).toMatch(
      new RegExp(`this addon was built against LibTorch ${libtorchHere().version} but the process loaded LibTorch \\d+\\.\\d+\\.\\d+ \\(`),
    );
    expect(r.stdout).toContain(`(${path.join(other!, 'libtorch_cpu.so')}); rebuild against the LibTorch you use`);
  });

  test('the built addon finds LibTorch through its rpath, without LD_LIBRARY_PATH', () => {
    const env = { ...process.env };
    delete env.LD_LIBRARY_PATH;
    const r = spawnSync(process.execPath, ['-e', "console.log(require('./dist/lib').ones([3]).sum().item())"], {
      timeout: CHILD_TIMEOUT_MS,
      cwd: root,
      encoding: 'utf8',
      env,
    });
    expect(r.stdout.trim()).toBe('3');
    const dyn = execFileSync('readelf', ['-d', libtorchHere().addon], { timeout: CHILD_TIMEOUT_MS, encoding: 'utf8' });
    expect(dyn).toMatch(/R(UN)?PATH/);
  });
});
