// The whole path of a machine with no LibTorch, no root and no compiler: `npm install` of the packed
// package (with its prebuild) in a fresh project, HOME in a temporary folder, no cmake, g++ or
// python on PATH, NODETORCH_LIBTORCH_MIRROR pointing at an HTTP server on 127.0.0.1 that serves a
// LibTorch archive in the official layout, assembled here from the LibTorch the prebuild was built
// against (the torch 2.x CPU wheel's). The install downloads it into the cache and compiles
// nothing; then the project trains an MNIST epoch, and /proc/self/maps shows the cached LibTorch.
//
// It needs a prebuild of a LibTorch nodetorch can download (CI's leg 2 builds one:
// npm run build:prebuilds); under CI with NODETORCH_PREBUILDS_ONLY=1 a missing one fails.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MNIST_DIR, ROOT } from './helpers/common';
import { archiveFromWheel, ArchiveServer, runAsync, serveArchives } from './helpers/libtorch-server';

const { TABLE } = require(path.join(ROOT, 'scripts', 'libtorch-download.js'));
const prebuildDir = path.join(ROOT, 'prebuilds', `${process.platform}-${process.arch}`);

/** The prebuild for a pinned archive, with the folder of the LibTorch it was built against. */
function downloadablePrebuild(): { version: string; file: string; libDir: string } | undefined {
  if (!fs.existsSync(path.join(prebuildDir, 'nodetorch-preload.node'))) return undefined;
  for (const name of fs.readdirSync(prebuildDir).filter((f) => /^nodetorch-libtorch-.*-cpu\.json$/.test(f))) {
    const { libtorch } = JSON.parse(fs.readFileSync(path.join(prebuildDir, name), 'utf8'));
    const archive = TABLE.archives.find((a: { version: string; variant: string }) => a.version === libtorch.version && a.variant === 'cpu');
    const libDir = path.dirname(libtorch.libraries[0]);
    if (archive && fs.existsSync(path.join(libDir, 'libtorch_cpu.so')))
      return { version: libtorch.version, file: decodeURIComponent(archive.file), libDir };
  }
  return undefined;
}

const prebuild = downloadablePrebuild();
const required = process.env.CI === 'true' && process.env.NODETORCH_PREBUILDS_ONLY === '1';
if (!prebuild && required) throw new Error(`CI's prebuild leg needs a prebuild of a downloadable LibTorch in ${prebuildDir}`);

(prebuild ? describe : describe.skip)('npm install with no LibTorch, root or compiler', () => {
  let work: string;
  let server: ArchiveServer;
  let sha: string;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-install-'));
    fs.mkdirSync(path.join(work, 'www', path.dirname(prebuild!.file)), { recursive: true });
    sha = archiveFromWheel(path.join(work, 'www', prebuild!.file), prebuild!.version, prebuild!.libDir);
    server = await serveArchives(path.join(work, 'www'));
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('installs the prebuild, downloads the LibTorch, compiles nothing, and trains', async () => {
    const pack = await runAsync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: ROOT, env: process.env });
    expect(pack.status).toBe(0);
    const tarball = path.join(work, pack.out.trim().split('\n').pop()!);
    // PATH: node, npm and the shell npm runs scripts with, alone (no cmake, g++, c++ or python)
    const bin = path.join(work, 'bin');
    fs.mkdirSync(bin);
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const npm = (process.env.PATH ?? '')
      .split(path.delimiter)
      .map((d) => path.join(d, 'npm'))
      .find((f) => fs.existsSync(f));
    fs.symlinkSync(fs.realpathSync(npm!), path.join(bin, 'npm'));
    fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
    const home = path.join(work, 'home');
    const app = path.join(work, 'app');
    fs.mkdirSync(home);
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const env: NodeJS.ProcessEnv = {
      PATH: bin,
      HOME: home,
      NODETORCH_LIBTORCH_MIRROR: server.url,
      NODETORCH_LIBTORCH_SHA256: sha,
      // the registry's packages from the user's npm cache, so the test does not download them again
      npm_config_cache: process.env.npm_config_cache || path.join(os.homedir(), '.npm'),
      npm_config_update_notifier: 'false',
    };
    const started = Date.now();
    const install = await runAsync('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', tarball], { cwd: app, env });
    const installSeconds = (Date.now() - started) / 1000;
    expect(install.out).toContain(
      `using the prebuild for LibTorch ${prebuild!.version} (cpu), with the LibTorch in ${path.join(home, '.cache', 'nodetorch', 'libtorch', `${prebuild!.version}-cpu`)}: nothing compiled`,
    );
    expect(install.status).toBe(0);
    const installed = path.join(app, 'node_modules', 'nodetorch');
    expect(fs.existsSync(path.join(installed, 'build'))).toBe(false); // nothing was compiled
    const cached = path.join(home, '.cache', 'nodetorch', 'libtorch', `${prebuild!.version}-cpu`);
    const script = `
      const fs = require('fs');
      const { data, nn, Trainer, libtorchInfo } = require('nodetorch');
      (async () => {
        const { train, test } = await data.mnist({ dir: ${JSON.stringify(MNIST_DIR)}, size: 'small' });
        const model = new nn.Sequential().add(new nn.View(-1, 1024)).add(new nn.Linear(1024, 10)).add(new nn.LogSoftMax());
        const trainer = new Trainer({ model, criterion: new nn.ClassNLLCriterion(), batchSize: 32, optimizer: { method: 'sgd', config: { learningRate: 0.05 } } });
        const [epoch] = await trainer.fit({ train, test, epochs: 1 });
        const maps = fs.readFileSync('/proc/self/maps', 'utf8').split('\\n').filter((l) => /libtorch_cpu\\.so/.test(l)).map((l) => l.split(/\\s+/).pop());
        console.log(JSON.stringify({ accuracy: epoch.test.confusion.totalValid, maps: [...new Set(maps)], info: libtorchInfo().version }));
      })();`;
    const trained = await runAsync('node', ['-e', script], { cwd: app, env });
    expect(trained.status).toBe(0);
    const result = JSON.parse(trained.out.trim().split('\n').pop()!);
    expect(result.maps).toEqual([path.join(cached, 'lib', 'libtorch_cpu.so')]);
    expect(result.info).toBe(prebuild!.version);
    expect(result.accuracy).toBeGreaterThan(0.8); // a linear model, one epoch of the small set
    const mb = (file: string) => (fs.statSync(file).size / 1e6).toFixed(1);
    console.log(
      `npm-install-libtorch: LibTorch ${result.info} from ${result.maps[0]}; one epoch, test accuracy ${(100 * result.accuracy).toFixed(2)}%; ` +
        `package ${mb(tarball)} MB packed, LibTorch archive ${mb(path.join(work, 'www', prebuild!.file))} MB; ` +
        `npm install ${installSeconds.toFixed(1)} s with the archive served on 127.0.0.1 (the download itself excluded, its unpacking included)`,
    );
  });
});
