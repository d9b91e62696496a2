'use strict';
// LibTorch on demand: fetches the pinned LibTorch archive for this machine's variant into the user
// cache (<cache>/libtorch/<version>-<variant>), for machines with no LibTorch, no root and no
// compiler (scripts/install.js calls it; `node scripts/libtorch-download.js` runs it by hand).
//
// Nothing half-done is ever trusted. The archive is written to a `.partial-<pid>` file while its
// SHA-256 is computed, checked against scripts/libtorch-archives.json (or NODETORCH_LIBTORCH_SHA256),
// unpacked into a `.partial-<pid>` folder, checked for the libraries and CMake config a LibTorch
// has, and only then renamed to its final name. A download or unpack that fails or is killed
// leaves at most `.partial-*` entries, which no reader looks at and the next download removes.
//
// Settings: NODETORCH_CUDA=12.x|13.x|none picks the variant (CPU by default);
// NODETORCH_LIBTORCH_MIRROR replaces the base URL (a mirror, or an air-gapped site's server);
// NODETORCH_LIBTORCH_SHA256 gives the expected SHA-256 where the table has none or the mirror
// serves another build.
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Readable } = require('stream');

const TABLE = require('./libtorch-archives.json');

/** The user cache (as lib/config.ts): NODETORCH_CACHE, else $XDG_CACHE_HOME/nodetorch, else ~/.cache/nodetorch. */
function cacheRoot() {
  if (process.env.NODETORCH_CACHE) return process.env.NODETORCH_CACHE;
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'nodetorch');
}

/** The variant NODETORCH_CUDA asks for: 'cpu' (unset or none), or the newest pinned cuXY of that major version. */
function requestedVariant() {
  const setting = (process.env.NODETORCH_CUDA || 'none').trim();
  if (setting === 'none' || setting === 'cpu') return 'cpu';
  const major = /^(\d+)(\.x|\.\d+)?$/.exec(setting);
  const match = major && TABLE.archives.find((a) => a.variant.startsWith(`cu${major[1]}`));
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

/** What makes an unpacked folder a LibTorch: its core libraries and its CMake config. */
function isLibTorch(dir) {
  return ['lib/libc10.so', 'lib/libtorch_cpu.so', 'lib/libtorch.so', 'share/cmake/Torch/TorchConfig.cmake'].every((f) =>
    fs.existsSync(path.join(dir, f)),
  );
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

/** Removes the `.partial-*` leftovers of downloads whose process is gone. */
function removeStalePartials(folder) {
  if (!fs.existsSync(folder)) return;
  for (const name of fs.readdirSync(folder)) {
    const owner = /\.partial-(\d+)$/.exec(name);
    if (!owner || Number(owner[1]) === process.pid) continue;
    let alive = true;
    try {
      process.kill(Number(owner[1]), 0);
    } catch (e) {
      alive = e.code === 'EPERM';
    }
    if (!alive) fs.rmSync(path.join(folder, name), { recursive: true, force: true });
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
  const out = fs.createWriteStream(file, { flags: 'wx' });
  const written = new Promise((resolve, reject) => {
    out.on('error', reject);
    out.on('finish', resolve);
  });
  try {
    for await (const chunk of Readable.fromWeb(response.body)) {
      hash.update(chunk);
      received += chunk.length;
      if (bar) bar.update(Math.round(received / 2 ** 20));
      if (!out.write(chunk)) await new Promise((resolve, reject) => (out.once('drain', resolve), out.once('error', reject)));
    }
    out.end();
    await written;
  } catch (e) {
    out.destroy();
    if (e.code && /^E(NOSPC|DQUOT|ACCES|ROFS|IO|FBIG)$/.test(e.code)) throw fail(describeFsError(e, 'the archive', file), archive);
    throw fail(`the download of ${url} broke off after ${received} bytes: ${e.cause?.message || e.message}`, archive);
  } finally {
    if (bar) bar.stop();
  }
  if (total && received !== total) throw fail(`the download of ${url} ended after ${received} of ${total} bytes`, archive);
  return hash.digest('hex');
}

/**
 * Downloads, checks and unpacks the pinned LibTorch for `variant` (default: NODETORCH_CUDA's) unless
 * a complete copy is cached; returns its root folder. Errors name what failed and the three ways to
 * provide a LibTorch.
 */
async function downloadLibTorch(options = {}) {
  const archive = pinnedArchive(options.variant ?? requestedVariant(), options.version);
  const final = entryDir(archive);
  if (isLibTorch(final)) return final;
  const expected = (process.env.NODETORCH_LIBTORCH_SHA256 || archive.sha256 || '').toLowerCase();
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
  const zip = path.join(folder, `.${path.basename(final)}.zip.partial-${process.pid}`);
  const unpacked = path.join(folder, `.${path.basename(final)}.partial-${process.pid}`);
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
    if (!isLibTorch(root))
      throw fail(
        `the archive from ${url} holds no LibTorch (libtorch/lib/libtorch_cpu.so and libtorch/share/cmake/Torch are missing)`,
        archive,
      );
    fs.rmSync(final, { recursive: true, force: true }); // an incomplete folder of that name (made by hand) is never trusted
    fs.renameSync(root, final);
    log(`LibTorch ${archive.version} (${archive.variant}) is in ${final}`);
    return final;
  } finally {
    fs.rmSync(zip, { force: true });
    fs.rmSync(unpacked, { recursive: true, force: true });
  }
}

module.exports = { cacheRoot, cachedLibTorch, downloadLibTorch, pinnedArchive, requestedVariant, TABLE };

if (require.main === module) {
  downloadLibTorch().then(
    (dir) => console.log(dir),
    (e) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}
