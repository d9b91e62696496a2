import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');

// Makes a minimal installed-package copy (package.json + dist/) in a temp folder.
function packageCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-pkg-'));
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
  return dir;
}

function run(dir: string, code: string) {
  return spawnSync(process.execPath, ['-e', code], { cwd: dir, encoding: 'utf8' });
}

describe('loading the addon', () => {
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
    fs.copyFileSync(path.join(root, 'build', 'Release', 'nodetorch.node'), path.join(target, 'node.napi.node'));
    const r = run(dir, "console.log(require('./dist/lib').tensor([1, 2, 3]).sum().item())");
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('6');
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
    const found = JSON.parse(execFileSync(process.execPath, [script, '--json'], { encoding: 'utf8' }));
    expect(fs.existsSync(path.join(found.cmakeDir, 'TorchConfig.cmake'))).toBe(true);
    expect(fs.existsSync(path.join(found.includeDirs[1], 'torch', 'torch.h'))).toBe(true);
    expect(found.libs).toContain('torch');
    expect(fs.existsSync(path.join(found.libDir, 'libtorch.so'))).toBe(true);
  });

  test('an explicit LIBTORCH that holds no LibTorch is an error listing what was tried', () => {
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, LIBTORCH: '/nonexistent/libtorch' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/LibTorch was not found/);
    expect(r.stderr).toContain('LIBTORCH=/nonexistent/libtorch (looked for /nonexistent/libtorch/share/cmake/Torch/TorchConfig.cmake)');
    expect(r.stderr).toMatch(/apt-get install libtorch-dev/);
  });

  test('the built addon finds LibTorch through its rpath, without LD_LIBRARY_PATH', () => {
    const env = { ...process.env };
    delete env.LD_LIBRARY_PATH;
    const r = spawnSync(process.execPath, ['-e', "console.log(require('./dist/lib').ones([3]).sum().item())"], { cwd: root, encoding: 'utf8', env });
    expect(r.stdout.trim()).toBe('3');
    const dyn = execFileSync('readelf', ['-d', path.join(root, 'build', 'Release', 'nodetorch.node')], { encoding: 'utf8' });
    expect(dyn).toMatch(/R(UN)?PATH/);
  });
});
