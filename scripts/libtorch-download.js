'use strict';
// LibTorch on demand: fetches the pinned LibTorch archive for this machine's variant into the user
// cache (<cache>/libtorch/<version>-<variant>), for machines with no LibTorch, no root and no
// compiler (scripts/install.js calls it; `node scripts/libtorch-download.js` runs it by hand).
//
// Nothing half-done is ever trusted. The archive is written to a `.partial-<host>-<pid>-<random>`
// file while its SHA-256 is computed, checked against scripts/libtorch-archives.json (or
// NODETORCH_LIBTORCH_SHA256), unpacked into a `.partial-…` folder, checked for the libraries and CMake
// config a LibTorch has, marked with the archive it came from (.nodetorch-archive.json, written last),
// and only then renamed to its final name. A download or unpack that fails or is killed leaves at
// most `.partial-*` entries, which no reader looks at and a later download removes; a folder
// without the marker is never trusted.
//
// Settings: NODETORCH_CUDA=12.x|13.x|none picks the variant (CPU by default);
// NODETORCH_LIBTORCH_MIRROR replaces the base URL (a mirror, or an air-gapped site's server);
// NODETORCH_LIBTORCH_SHA256 gives the expected SHA-256 where the table has none or the mirror
// serves another build.
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Readable, Transform } = require('stream');
const { pipeline } = require('stream/promises');

const TABLE = require('./libtorch-archives.json');

/** The user cache (as lib/config.ts): NODETORCH_CACHE, else $XDG_CACHE_HOME/nodetorch, else ~/.cache/nodetorch. */
function cacheRoot() {
  // resolved: npm runs this hook in the package's folder, the application elsewhere
  if (process.env.NODETORCH_CACHE) return path.resolve(process.env.NODETORCH_CACHE);
  return path.resolve(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'nodetorch');
}

/** The variant NODETORCH_CUDA asks for: 'cpu' (unset or none), or the table's first (newest) cuXY of that major version. */
function requestedVariant() {
  const setting = (process.env.NODETORCH_CUDA || 'none').trim();
  if (setting === 'none' || setting === 'cpu') return 'cpu';
  const major = /^(\d+)(\.x|\.\d+)?$/.exec(setting);
  // cu130 is CUDA 13.0, cu128 12.8: the major version is all but the last digit; the table lists the newest first
  const match = major && TABLE.archives.find((a) => /^cu(\d+)\d$/.exec(a.variant)?.[1] === major[1]);
  if (!match) {
    const known = [...new Set(TABLE.archives.filter((a) => a.variant !== 'cpu').map((a) => `${a.variant[2]}${a.variant[3]}.x`))];
    throw new Error(
      `nodetorch: NODETORCH_CUDA=${setting} is not a CUDA version nodetorch can download; expected one of ${known.join(', ')} or none`,
    );
  }
  return match.variant;
}

/** The pinned archive for a variant (its default: the first in the table) or for a version and variant. */
function pinnedArchive(variant, version) {
  const archive = TABLE.archives.find((a) => a.variant === variant && (version === undefined || a.version === version));
  if (!archive)
    throw new Error(`nodetorch: no pinned LibTorch archive for ${version ?? 'any version'} (${variant}) in scripts/libtorch-archives.json`);
  return archive;
}

function entryDir(archive) {
  return path.join(cacheRoot(), 'libtorch', `${archive.version}-${archive.variant}`);
}

/**
 * The file written last into an unpacked LibTorch, before its rename: which archive (and SHA-256) it
 * came from. A folder without it is never trusted, whatever else it holds.
 */
const MARKER = '.nodetorch-archive.json';

/** What makes an unpacked folder a LibTorch: its core libraries, its CMake config, and nodetorch's marker. */
function isLibTorch(dir, { marker = true } = {}) {
  const files = ['lib/libc10.so', 'lib/libtorch_cpu.so', 'lib/libtorch.so', 'share/cmake/Torch/TorchConfig.cmake'];
  return files.concat(marker ? [MARKER] : []).every((f) => fs.existsSync(path.join(dir, f)));
}

/** The SHA-256 of the archive a cached folder came from (its marker), or null. */
function cachedSha256(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, MARKER), 'utf8')).sha256;
  } catch {
    return null;
  }
}

/** The cached LibTorch root for a version and variant, if a complete one is there. */
function cachedLibTorch(version, variant) {
  const dir = path.join(cacheRoot(), 'libtorch', `${version}-${variant}`);
  return isLibTorch(dir) ? dir : null;
}

/** The message every failure ends with: the three ways to give nodetorch a LibTorch. */
function howToProvide(archive) {
  return (
    'Give nodetorch a LibTorch in one of three ways:\n' +
    `  - a mirror or local server holding ${archive.file}: NODETORCH_LIBTORCH_MIRROR=<base URL> (and NODETORCH_LIBTORCH_SHA256 if its build differs)\n` +
    '  - a LibTorch already on the machine: LIBTORCH=/path/to/libtorch (an unpacked archive) or Torch_DIR=<folder of TorchConfig.cmake>\n' +
    "  - Python's torch (pip install torch) with PYTHON=/path/to/python, or Debian's libtorch-dev (npm run setup, needs root)\n" +
    'then run: npm rebuild nodetorch'
  );
}

function fail(what, archive) {
  const error = new Error(`nodetorch: ${what}\n${howToProvide(archive)}`);
  error.code = 'LIBTORCH_DOWNLOAD';
  return error;
}

/** This download's suffix for its partial files: host, process and a random part (a cache may be shared). */
const PARTIAL = `.partial-${os.hostname().replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;

/**
 * Removes the `.partial-*` leftovers of downloads that are over: those of this host whose process is
 * gone, and any older than a day (another host's, on a shared cache).
 */
function removeStalePartials(folder) {
  if (!fs.existsSync(folder)) return;
  const host = os.hostname().replace(/[^A-Za-z0-9_-]/g, '_');
  for (const name of fs.readdirSync(folder)) {
    const owner = /\.partial-(.+)-(\d+)-[0-9a-f]{8}$/.exec(name);
    if (!owner || name.endsWith(PARTIAL)) continue;
    const file = path.join(folder, name);
    let over = Date.now() - fs.statSync(file).mtimeMs > 24 * 3600 * 1000;
    if (!over && owner[1] === host) {
      try {
        process.kill(Number(owner[2]), 0);
      } catch (e) {
        over = e.code !== 'EPERM';
      }
    }
    if (over) fs.rmSync(file, { recursive: true, force: true });
  }
}

function describeFsError(e, what, file) {
  if (e.code === 'ENOSPC')
    return `no space left on the device while writing ${what} (${file}); free some space or set NODETORCH_CACHE to a larger disk`;
  if (e.code === 'EDQUOT') return `disk quota exceeded while writing ${what} (${file}); set NODETORCH_CACHE to another disk`;
  return `cannot write ${what} (${file}): ${e.message}`;
}

/** Streams `url` into `file`, returning its SHA-256; a progress bar goes to stderr when it is a terminal or CI's log. */
async function fetchTo(url, file, archive, quiet) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    const cause = e.cause ? `${e.cause.code || ''} ${e.cause.message || ''}`.trim() : e.message;
    throw fail(`cannot download ${url}: ${cause} (offline, or the server is unreachable)`, archive);
  }
  if (!response.ok) throw fail(`cannot download ${url}: HTTP ${response.status} ${response.statusText}`, archive);
  const total = Number(response.headers.get('content-length')) || 0;
  const hash = crypto.createHash('sha256');
  let received = 0;
  let bar = null;
  if (!quiet) {
    const { SingleBar, Presets } = require('cli-progress');
    bar = new SingleBar(
      {
        format: 'nodetorch: LibTorch {bar} {percentage}% | {value}/{total} MB',
        stream: process.stderr,
        noTTYOutput: true,
        notTTYSchedule: 5000,
      },
      Presets.shades_classic,
    );
    bar.start(Math.max(1, Math.round(total / 2 ** 20)), 0);
  }
  // one pipeline: a failed write (a full disk) or a broken body ends it, with no dangling promise
  const counter = new Transform({
    transform(chunk, _encoding, done) {
      hash.update(chunk);
      received += chunk.length;
      if (bar) bar.update(Math.round(received / 2 ** 20));
      done(null, chunk);
    },
  });
  let writeFailed = false;
  const out = fs.createWriteStream(file, { flags: 'wx' }).on('error', () => (writeFailed = true));
  try {
    await pipeline(Readable.fromWeb(response.body), counter, out);
  } catch (e) {
    if (writeFailed || (e.code && /^E(NOSPC|DQUOT|ACCES|ROFS|IO|FBIG|EXIST)$/.test(e.code)))
      throw fail(describeFsError(e, 'the archive', file), archive);
    throw fail(`the download of ${url} broke off after ${received} bytes: ${e.cause?.message || e.message}`, archive);
  } finally {
    if (bar) bar.stop();
  }
  if (total && received !== total) throw fail(`the download of ${url} ended after ${received} of ${total} bytes`, archive);
  return hash.digest('hex');
}

/**
 * Renames a complete unpacked LibTorch to its final name. A complete copy of the same archive that
 * another process put there first is kept (something may be loading it); an incomplete or other
 * one is moved aside and removed.
 */
function installEntry(root, final, digest) {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (isLibTorch(final) && cachedSha256(final) === digest) return;
    if (fs.existsSync(final)) {
      const aside = `${final}.old${PARTIAL}`;
      fs.renameSync(final, aside);
      fs.rmSync(aside, { recursive: true, force: true });
    }
    try {
      fs.renameSync(root, final);
      return;
    } catch (e) {
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e; // another process renamed first: look again
    }
  }
  throw new Error(`nodetorch: cannot put the LibTorch in ${final}: other processes keep replacing it`);
}

/**
 * Downloads, checks and unpacks the pinned LibTorch for `variant` (default: NODETORCH_CUDA's) unless
 * a complete copy is cached; returns its root folder. Errors name what failed and the three ways to
 * provide a LibTorch.
 */
async function downloadLibTorch(options = {}) {
  const archive = pinnedArchive(options.variant ?? requestedVariant(), options.version);
  const final = entryDir(archive);
  const expected = (process.env.NODETORCH_LIBTORCH_SHA256 || archive.sha256 || '').toLowerCase();
  // a cached copy counts when it came from the archive expected now (another SHA-256: download again)
  if (isLibTorch(final) && (!expected || cachedSha256(final) === expected)) return final;
  if (!/^[0-9a-f]{64}$/.test(expected)) {
    throw fail(
      process.env.NODETORCH_LIBTORCH_SHA256
        ? `NODETORCH_LIBTORCH_SHA256=${process.env.NODETORCH_LIBTORCH_SHA256} is not a SHA-256 (64 hexadecimal digits)`
        : `nodetorch has no recorded SHA-256 for ${archive.file} and will not unpack an unchecked archive; set NODETORCH_LIBTORCH_SHA256 to the one PyTorch publishes for it`,
      archive,
    );
  }
  const folder = path.dirname(final);
  try {
    fs.mkdirSync(folder, { recursive: true });
  } catch (e) {
    throw fail(describeFsError(e, 'the cache folder', folder), archive);
  }
  removeStalePartials(folder);
  const base = (process.env.NODETORCH_LIBTORCH_MIRROR || TABLE.baseUrl).replace(/\/?$/, '/');
  const url = base + archive.file;
  const zip = path.join(folder, `.${path.basename(final)}.zip${PARTIAL}`);
  const unpacked = path.join(folder, `.${path.basename(final)}${PARTIAL}`);
  const log = options.quiet ? () => {} : (line) => process.stderr.write(`nodetorch: ${line}\n`);
  try {
    fs.rmSync(zip, { force: true });
    log(`downloading LibTorch ${archive.version} (${archive.variant}) from ${url}`);
    const digest = await fetchTo(url, zip, archive, options.quiet);
    if (digest !== expected)
      throw fail(`the archive from ${url} is corrupt or not the pinned one: SHA-256 ${digest}, expected ${expected}`, archive);
    log(`checked SHA-256 ${digest}; unpacking into ${final}`);
    fs.rmSync(unpacked, { recursive: true, force: true });
    try {
      await require('extract-zip')(zip, { dir: unpacked });
    } catch (e) {
      throw fail(e.code ? describeFsError(e, 'the unpacked LibTorch', unpacked) : `cannot unpack ${url}: ${e.message}`, archive);
    }
    // the official archives hold one folder, libtorch/
    const root = path.join(unpacked, 'libtorch');
    if (!isLibTorch(root, { marker: false }))
      throw fail(
        `the archive from ${url} holds no LibTorch (libtorch/lib/libtorch_cpu.so and libtorch/share/cmake/Torch are missing)`,
        archive,
      );
    fs.writeFileSync(path.join(root, MARKER), JSON.stringify({ file: archive.file, url, sha256: digest }) + '\n');
    installEntry(root, final, digest);
    log(`LibTorch ${archive.version} (${archive.variant}) is in ${final}`);
    return final;
  } finally {
    fs.rmSync(zip, { force: true });
    fs.rmSync(unpacked, { recursive: true, force: true });
  }
}

module.exports = { cacheRoot, cachedLibTorch, downloadLibTorch, pinnedArchive, requestedVariant, TABLE, MARKER };

if (require.main === module) {
  downloadLibTorch().then(
    (dir) => console.log(dir),
    (e) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}
