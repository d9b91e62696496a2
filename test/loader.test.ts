import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { LibTorchInfo } from '../lib';
import { CHILD_TIMEOUT_MS, ROOT as root } from './helpers/common';

const { neededLibTorch } = require(path.join(root, 'scripts', 'elf-needed.js'));

// The LibTorch the built addon reports, read in a child process (the test process need not load it).
function libtorchHere(): LibTorchInfo {
  const out = execFileSync(process.execPath, ['-e', "console.log(JSON.stringify(require('./dist/lib').libtorchInfo()))"], {
    timeout: CHILD_TIMEOUT_MS,
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

// Copies an addon as prebuilds/<platform>/<name>.node, with the manifest and preloader that sit
// beside a prebuild (a prebuild carries no rpath: the loader preloads its LibTorch).
function copyAddon(addon: string, target: string, name: string, withManifest = true) {
  fs.mkdirSync(target, { recursive: true });
  fs.copyFileSync(addon, path.join(target, `${name}.node`));
  const manifest = addon.replace(/\.node$/, '.json');
  if (withManifest && fs.existsSync(manifest)) fs.copyFileSync(manifest, path.join(target, `${name}.json`));
  const preloader = path.join(path.dirname(addon), 'nodetorch-preload.node');
  if (fs.existsSync(preloader)) fs.copyFileSync(preloader, path.join(target, 'nodetorch-preload.node'));
}

// Makes a minimal installed-package copy (package.json, dist/, scripts/) in a temp folder.
function packageCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-pkg-'));
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
  // the loader looks for a prebuild's LibTorch with scripts/find-libtorch.js, as in the package
  fs.cpSync(path.join(root, 'scripts'), path.join(dir, 'scripts'), { recursive: true });
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
    copyAddon(libtorchHere().addon, target, 'node.napi');
    const r = run(dir, "console.log(require('./dist/lib').tensor([1, 2, 3]).sum().item())");
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('6');
  });

  // A prebuild whose manifest names the LibTorch libraries it was linked against (in `libDir`).
  function prebuildWithManifest(dir: string, name: string, libDir: string, version: string, variant = 'cpu') {
    const target = path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`);
    const addon = libtorchHere().addon;
    copyAddon(addon, target, name, false);
    const sonames = neededLibTorch(addon);
    const manifest = {
      libtorch: { version, variant, cxx11Abi: 1, sonames, libraries: sonames.map((s: string) => path.join(libDir, s)) },
    };
    fs.writeFileSync(path.join(target, `${name}.json`), JSON.stringify(manifest));
  }

  test('a prebuild whose LibTorch is on this machine is used', () => {
    const dir = packageCopy();
    const info = libtorchHere();
    prebuildWithManifest(dir, `nodetorch-libtorch-${info.version}-cpu`, path.dirname(info.library), info.version);
    const r = run(dir, "console.log(require('./dist/lib').tensor([1, 2, 3]).sum().item())");
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('6');
  });

  test('a prebuild for a LibTorch that is absent is passed over, and the error says what it needs and what is here', () => {
    const dir = packageCopy();
    prebuildWithManifest(dir, 'nodetorch-libtorch-9.9.9-cpu', '/nonexistent/libtorch/lib', '9.9.9');
    const r = run(dir, "try { require('./dist/lib').ones([1]) } catch (e) { console.log(e.name + '|' + e.message) }");
    expect(r.stdout).toMatch(/^TorchError\|nodetorch: the native addon could not be loaded/);
    expect(r.stdout).toMatch(
      // with Torch_DIR or LIBTORCH set (CI's leg 1) only that LibTorch is considered
      /nodetorch-libtorch-9\.9\.9-cpu\.node: built for LibTorch 9\.9\.9 \(cpu\)(, which is neither in the download cache \(\S+\/libtorch\) nor where it was built \(\/nonexistent\/libtorch\/lib\);|, but) the LibTorch found \(.+\) is \S+ \((cpu|cuda)\) in \S+/,
    );
    expect(r.stdout).toContain('The prebuilds need: LibTorch 9.9.9 (cpu)');
    expect(r.stdout).toContain(`LibTorch on this machine: LibTorch ${libtorchHere().version}`);
    expect(r.stdout).toContain('npm run build');
  });

  test("npm's install hook uses a matching prebuild, and otherwise names what the prebuilds need", () => {
    const dir = packageCopy();
    const info = libtorchHere();
    prebuildWithManifest(dir, 'nodetorch-libtorch-9.9.9-cpu', '/nonexistent/libtorch/lib', '9.9.9');
    // no LibTorch to build from either: the hook fails with both facts
    const none = spawnSync(process.execPath, ['scripts/install.js'], {
      timeout: CHILD_TIMEOUT_MS,
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, LIBTORCH: '/nonexistent/libtorch' },
    });
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/LibTorch was not found/);
    expect(none.stderr).toContain('The prebuilds need: LibTorch 9.9.9 (cpu)');
    const variant = info.cudaLibrary ? 'cuda' : 'cpu'; // the install hook matches version and variant
    prebuildWithManifest(dir, `nodetorch-libtorch-${info.version}-${variant}`, path.dirname(info.library), info.version, variant);
    const ok = spawnSync(process.execPath, ['scripts/install.js'], { timeout: CHILD_TIMEOUT_MS, cwd: dir, encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`using the prebuild for LibTorch ${info.version} (${variant})`);
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
    // every LibTorch library the process maps comes from that one folder (a prebuild's preloaded ones too)
    const maps = execFileSync(
      process.execPath,
      ['-e', "require('./dist/lib').ones([1]); process.stdout.write(require('fs').readFileSync('/proc/self/maps', 'utf8'))"],
      { timeout: CHILD_TIMEOUT_MS, cwd: root, encoding: 'utf8' },
    );
    const libraries = [...new Set([...maps.matchAll(/ (\/\S*\/lib(?:torch|c10)\S*\.so\S*)$/gm)].map((m) => m[1]))];
    expect(libraries.length).toBeGreaterThanOrEqual(3);
    for (const lib of libraries) expect(fs.realpathSync(path.dirname(lib))).toBe(fs.realpathSync(found.libDir));
  });

  // CI sets NODETORCH_OTHER_LIBTORCH to the lib folder of a LibTorch of another version (leg 2: the
  // CUDA wheel's, while the addon is built against the CPU wheel's). A local build is pointed at it
  // with LD_LIBRARY_PATH (ahead of its rpath); a prebuild, through a download cache whose entry for
  // its version holds that other LibTorch (the preloader loads what the entry holds).
  const other = process.env.NODETORCH_OTHER_LIBTORCH;
  (other ? test : test.skip)('a process that loads another LibTorch than the one compiled against is refused at load', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, LD_LIBRARY_PATH: other };
    let otherDir = other!;
    if (process.env.NODETORCH_PREBUILDS_ONLY === '1') {
      const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-cache-'));
      const entry = path.join(cache, 'libtorch', `${libtorchHere().version}-cpu`);
      fs.mkdirSync(entry, { recursive: true });
      otherDir = path.join(entry, 'lib');
      fs.symlinkSync(other!, otherDir);
      fs.writeFileSync(path.join(entry, '.nodetorch-archive.json'), '{}'); // a complete entry, as the download leaves it
      Object.assign(env, { NODETORCH_CACHE: cache, LD_LIBRARY_PATH: '' });
    }
    const r = spawnSync(
      process.execPath,
      ['-e', "try { require('./dist/lib').ones([1]) } catch (e) { console.log(e.name + '|' + e.message) }"],
      { timeout: CHILD_TIMEOUT_MS, cwd: root, encoding: 'utf8', env },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^TorchError\|nodetorch: the native addon could not be loaded/);
    expect(r.stdout).toMatch(
      new RegExp(`this addon was built against LibTorch ${libtorchHere().version} but the process loaded LibTorch \\d+\\.\\d+\\.\\d+ \\(`),
    );
    expect(r.stdout).toContain(`(${path.join(otherDir, 'libtorch_cpu.so')}); rebuild against the LibTorch you use`);
  });

  // A local build carries an rpath to its LibTorch; a prebuild carries none (no path of the build
  // machine) and loads because the loader preloads the LibTorch it was built for.
  test('the addon finds LibTorch without LD_LIBRARY_PATH: a local build through its rpath, a prebuild through the preloader', () => {
    const env = { ...process.env };
    delete env.LD_LIBRARY_PATH;
    const r = spawnSync(process.execPath, ['-e', "console.log(require('./dist/lib').ones([3]).sum().item())"], {
      timeout: CHILD_TIMEOUT_MS,
      cwd: root,
      encoding: 'utf8',
      env,
    });
    expect(r.stdout.trim()).toBe('3');
    const { addon } = libtorchHere();
    const dyn = execFileSync('readelf', ['-d', addon], { timeout: CHILD_TIMEOUT_MS, encoding: 'utf8' });
    if (process.env.NODETORCH_PREBUILDS_ONLY === '1') {
      expect(dyn).not.toMatch(/R(UN)?PATH/);
      expect(fs.existsSync(path.join(path.dirname(addon), 'nodetorch-preload.node'))).toBe(true);
    } else expect(dyn).toMatch(/R(UN)?PATH/);
  });
});
