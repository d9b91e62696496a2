// LibTorch on demand (scripts/libtorch-download.js): fetched from a mirror on 127.0.0.1, checked
// against a SHA-256, unpacked into the cache atomically; every failure is a clear error that names
// the ways to provide a LibTorch and leaves nothing a later install would trust.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from './helpers/common';
import { ArchiveServer, runAsync, serveArchives, tinyArchive } from './helpers/libtorch-server';

const download = require(path.join(ROOT, 'scripts', 'libtorch-download.js'));
const FILE = decodeURIComponent(download.pinnedArchive('cpu').file); // cpu/libtorch-shared-with-deps-<version>+cpu.zip
const VERSION = download.pinnedArchive('cpu').version;

describe('LibTorch download into the user cache', () => {
  let work: string;
  let server: ArchiveServer;
  let sha: string;
  const saved = { ...process.env };
  const cache = () => path.join(work, 'cache');
  const entry = () => path.join(cache(), 'libtorch', `${VERSION}-cpu`);
  const leftovers = () => (fs.existsSync(path.dirname(entry())) ? fs.readdirSync(path.dirname(entry())) : []);

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-libtorch-'));
    fs.mkdirSync(path.join(work, 'www', path.dirname(FILE)), { recursive: true });
    sha = tinyArchive(path.join(work, 'www', FILE), work, 5000);
    server = await serveArchives(path.join(work, 'www'));
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(work, { recursive: true, force: true });
  });
  beforeEach(() => {
    fs.rmSync(cache(), { recursive: true, force: true });
    server.mode = 'serve';
    Object.assign(process.env, { NODETORCH_CACHE: cache(), NODETORCH_LIBTORCH_MIRROR: server.url, NODETORCH_LIBTORCH_SHA256: sha });
    delete process.env.NODETORCH_CUDA;
  });
  afterEach(() => {
    for (const k of ['NODETORCH_CACHE', 'NODETORCH_LIBTORCH_MIRROR', 'NODETORCH_LIBTORCH_SHA256', 'NODETORCH_CUDA']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  const THREE_WAYS = /NODETORCH_LIBTORCH_MIRROR[\s\S]*LIBTORCH=[\s\S]*pip install torch/;

  test('downloads, checks and unpacks into <cache>/libtorch/<version>-cpu, once', async () => {
    const dir = await download.downloadLibTorch({ quiet: true });
    expect(dir).toBe(entry());
    expect(fs.readFileSync(path.join(dir, 'lib', 'libc10.so'), 'utf8')).toBe('not a library: libc10.so\n');
    expect(fs.readdirSync(path.join(dir, 'include'))).toHaveLength(5001); // 5000 headers and torch/
    expect(fs.readFileSync(path.join(dir, 'build-version'), 'utf8')).toBe('2.13.0\n');
    expect(leftovers()).toEqual([`${VERSION}-cpu`]); // no archive, no .partial folder
    expect(server.requests).toContain(`/${download.pinnedArchive('cpu').file}`);
    const asked = server.requests.length;
    expect(await download.downloadLibTorch({ quiet: true })).toBe(dir); // cached: no second request
    expect(server.requests).toHaveLength(asked);
    // find-libtorch's download source finds it (NODETORCH_LIBTORCH=download)
    const found = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'find-libtorch.js'), '--libdir'], {
      env: { ...process.env, NODETORCH_LIBTORCH: 'download' },
      encoding: 'utf8',
    });
    expect(found.stdout.trim()).toBe(path.join(dir, 'lib'));
  });

  test('a folder without the marker, or from another archive, is not trusted and is replaced', async () => {
    // the libraries and config alone (a copy made by hand, or an unpack that crashed before its rename)
    fs.mkdirSync(path.join(entry(), 'lib'), { recursive: true });
    fs.mkdirSync(path.join(entry(), 'share', 'cmake', 'Torch'), { recursive: true });
    for (const f of ['lib/libc10.so', 'lib/libtorch_cpu.so', 'lib/libtorch.so', 'share/cmake/Torch/TorchConfig.cmake'])
      fs.writeFileSync(path.join(entry(), f), 'stale');
    expect(download.cachedLibTorch(VERSION, 'cpu')).toBeNull();
    const dir = await download.downloadLibTorch({ quiet: true });
    expect(fs.readFileSync(path.join(dir, 'lib', 'libc10.so'), 'utf8')).toBe('not a library: libc10.so\n');
    expect(JSON.parse(fs.readFileSync(path.join(dir, download.MARKER), 'utf8'))).toEqual({
      file: download.pinnedArchive('cpu').file,
      url: `${server.url}${download.pinnedArchive('cpu').file}`,
      sha256: sha,
    });
    // a marker naming another archive's SHA-256: downloaded again
    fs.writeFileSync(path.join(dir, download.MARKER), JSON.stringify({ sha256: 'f'.repeat(64) }));
    const asked = server.requests.length;
    await download.downloadLibTorch({ quiet: true });
    expect(server.requests.length).toBe(asked + 1);
    expect(JSON.parse(fs.readFileSync(path.join(dir, download.MARKER), 'utf8')).sha256).toBe(sha);
    expect(leftovers()).toEqual([`${VERSION}-cpu`]);
  });

  test('a corrupt archive (checksum) is refused and nothing is cached', async () => {
    process.env.NODETORCH_LIBTORCH_SHA256 = '0'.repeat(64);
    const error = await download.downloadLibTorch({ quiet: true }).catch((e: Error) => e);
    expect(error.message).toContain(`is corrupt or not the pinned one: SHA-256 ${sha}, expected ${'0'.repeat(64)}`);
    expect(error.message).toMatch(THREE_WAYS);
    expect(leftovers()).toEqual([]);
  });

  test('a 404 names the URL and the status', async () => {
    server.mode = 'missing';
    const error = await download.downloadLibTorch({ quiet: true }).catch((e: Error) => e);
    expect(error.message).toContain(`cannot download ${server.url}${download.pinnedArchive('cpu').file}: HTTP 404`);
    expect(error.message).toMatch(THREE_WAYS);
    expect(leftovers()).toEqual([]);
  });

  test('no network (nothing listens) is one clear message with the three ways', async () => {
    const closed = await serveArchives(work);
    await closed.close();
    process.env.NODETORCH_LIBTORCH_MIRROR = closed.url;
    const error = await download.downloadLibTorch({ quiet: true }).catch((e: Error) => e);
    expect(error.message).toMatch(
      /cannot download http:\/\/127\.0\.0\.1:\d+\/\S+: ECONNREFUSED .*\(offline, or the server is unreachable\)/,
    );
    expect(error.message).toMatch(THREE_WAYS);
    expect(leftovers()).toEqual([]);
  });

  test('a body that breaks off is an error, and the partial archive is removed', async () => {
    server.mode = 'cut';
    const error = await download.downloadLibTorch({ quiet: true }).catch((e: Error) => e);
    expect(error.message).toMatch(/the download of http:\S+ (broke off after \d+ bytes|ended after \d+ of \d+ bytes)/);
    expect(leftovers()).toEqual([]);
  });

  test('no archive without a SHA-256 to check it against', async () => {
    delete process.env.NODETORCH_LIBTORCH_SHA256;
    if (download.pinnedArchive('cpu').sha256) return expect(download.pinnedArchive('cpu').sha256).toMatch(/^[0-9a-f]{64}$/);
    const asked = server.requests.length;
    const error = await download.downloadLibTorch({ quiet: true }).catch((e: Error) => e);
    expect(error.message).toContain('has no recorded SHA-256');
    expect(server.requests).toHaveLength(asked); // refused before fetching
    expect(leftovers()).toEqual([]);
    process.env.NODETORCH_LIBTORCH_SHA256 = 'abc';
    expect((await download.downloadLibTorch({ quiet: true }).catch((e: Error) => e)).message).toContain(
      'NODETORCH_LIBTORCH_SHA256=abc is not a SHA-256',
    );
  });

  test('NODETORCH_CUDA picks a CUDA archive, and an unknown version is refused', async () => {
    process.env.NODETORCH_CUDA = '13.x';
    expect(download.requestedVariant()).toMatch(/^cu13\d$/);
    process.env.NODETORCH_CUDA = '1'; // not a prefix of cu130
    expect(() => download.requestedVariant()).toThrow(/NODETORCH_CUDA=1 is not a CUDA version/);
    process.env.NODETORCH_CUDA = '12.x';
    expect(download.requestedVariant()).toMatch(/^cu12\d$/);
    process.env.NODETORCH_CUDA = '9.x';
    expect(() => download.requestedVariant()).toThrow(
      /NODETORCH_CUDA=9\.x is not a CUDA version nodetorch can download; expected one of .*13\.x/,
    );
  });

  // A full disk, simulated where no root is needed: a file-size limit makes the kernel refuse the
  // archive's writes (EFBIG; with SIGXFSZ ignored, as a full disk's ENOSPC, the same code path).
  test('a write the disk refuses is a clear error and leaves nothing', async () => {
    const script = `require(${JSON.stringify(path.join(ROOT, 'scripts', 'libtorch-download.js'))}).downloadLibTorch({ quiet: true }).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); })`;
    // spawned, not spawnSync: this process serves the archive
    const run = await runAsync('bash', [
      '-c',
      `trap '' XFSZ; ulimit -f 64; exec "${process.execPath}" -e '${script.replace(/'/g, `'\\''`)}'`,
    ]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/cannot write the archive \(\S+\.zip\.partial-\S+\): .*EFBIG/);
    expect(run.stderr).toMatch(THREE_WAYS);
    expect(leftovers()).toEqual([]);
  });

  test('an unpack killed halfway leaves only a .partial folder, which the next download removes', async () => {
    const child = spawn(
      process.execPath,
      ['-e', `require(${JSON.stringify(path.join(ROOT, 'scripts', 'libtorch-download.js'))}).downloadLibTorch()`],
      {
        env: process.env,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    // killed once the unpack has written part of its 5,000 headers
    const mine = (name: string) => name.startsWith(`.${VERSION}-cpu.partial-`) && name.includes(`-${child.pid}-`);
    const headers = () => {
      const folder = leftovers().find(mine);
      const include = folder && path.join(path.dirname(entry()), folder, 'libtorch', 'include');
      return include && fs.existsSync(include) ? fs.readdirSync(include).length : 0;
    };
    const closed = new Promise((resolve) => child.on('close', resolve));
    while (headers() <= 100 && child.exitCode === null) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await closed;
    expect(fs.existsSync(entry())).toBe(false); // never the final name
    expect(leftovers().filter(mine)).toHaveLength(1);
    expect(download.cachedLibTorch(VERSION, 'cpu')).toBeNull();
    // the next download starts afresh and clears the dead process's leftovers
    expect(await download.downloadLibTorch({ quiet: true })).toBe(entry());
    expect(leftovers()).toEqual([`${VERSION}-cpu`]);
  });
});
