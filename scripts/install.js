#!/usr/bin/env node
'use strict';
// npm's install hook. In order:
//   1. a local build (build/Release) is used as it is;
//   2. a prebuild whose LibTorch is on this machine (same version and variant: the download cache,
//      LIBTORCH / Torch_DIR, a pip torch, the system's) is used, compiling nothing;
//   3. a LibTorch found without a prebuild is built against from source with cmake-js, where cmake
//      and a C++ compiler are on PATH;
//   4. otherwise the pinned LibTorch that a prebuild was made for is downloaded into the user cache
//      (scripts/libtorch-download.js), so a machine without LibTorch, root or compiler needs nothing;
//   5. otherwise the error says what is missing and the ways to fix it.
// NODETORCH_LIBTORCH=auto|system|python|download narrows the sources (download: step 4 always);
// NODETORCH_SKIP_BUILD=1 skips it all (scripts/setup.sh builds itself).
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { findLibTorch, librarySource } = require('./find-libtorch');
const { downloadLibTorch, pinnedArchive, requestedVariant, TABLE } = require('./libtorch-download');

const root = path.resolve(__dirname, '..');
const say = (line) => console.log(`nodetorch: ${line}`);

function exit(status) {
  process.exit(status === null ? 1 : status);
}

/** The prebuilds' manifests: [{ name, version, variant, libraries }]. */
function prebuilds() {
  const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /^nodetorch-libtorch-.*\.json$/.test(f) && fs.existsSync(path.join(dir, f.replace(/\.json$/, '.node'))))
    .map((f) => ({ name: f, ...JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).libtorch }));
}

/** Whether `command` runs from PATH. */
function onPath(command) {
  return (process.env.PATH || '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, command), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Ends the install with `message` and what the prebuilds need. */
function stop(message, made) {
  console.error(message);
  if (made.length) console.error(`The prebuilds need: ${made.map((p) => `LibTorch ${p.version} (${p.variant})`).join('; ')}`);
  exit(1);
}

function buildFromSource(found) {
  say(
    `no prebuild fits LibTorch ${found.version} (${found.cuda ? 'cuda' : 'cpu'}) in ${found.libDir}; building from source with cmake-js (a few minutes)`,
  );
  const result = spawnSync(process.execPath, [require.resolve('cmake-js/bin/cmake-js'), 'compile', '--CDCMAKE_BUILD_TYPE=Release'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0)
    console.error('nodetorch: the build from source failed (see above). Fix what it names, then run: npm rebuild nodetorch');
  exit(result.status);
}

async function main() {
  if (process.env.NODETORCH_SKIP_BUILD === '1') return;
  if (fs.existsSync(path.join(root, 'build', 'Release', 'nodetorch.node'))) return;
  const source = librarySource();
  const made = prebuilds();
  const fits = (found) => made.find((p) => p.version === found.version && p.variant === (found.cuda ? 'cuda' : 'cpu'));

  let found = null;
  let notFound = '';
  try {
    found = findLibTorch();
  } catch (e) {
    notFound = e.message;
  }
  // an explicit choice (LIBTORCH, Torch_DIR, NODETORCH_LIBTORCH=system|python) that holds no LibTorch is an error, never a download
  const explicit =
    source !== 'download' && (Boolean(process.env.LIBTORCH || process.env.Torch_DIR) || source === 'system' || source === 'python');
  if (!found && explicit) stop(notFound, made);
  if (found && fits(found) && source !== 'download') {
    say(
      `using the prebuild for LibTorch ${found.version} (${found.cuda ? 'cuda' : 'cpu'}), with the LibTorch in ${found.libDir} (${found.source})`,
    );
    return;
  }
  const compilers = onPath('cmake') && (onPath('g++') || onPath('c++') || Boolean(process.env.CXX));
  if (found && compilers && source !== 'download') return buildFromSource(found);
  if (explicit)
    stop(
      `nodetorch: no prebuild fits LibTorch ${found.version} (${found.cuda ? 'cuda' : 'cpu'}) in ${found.libDir}, the LibTorch chosen (${found.source}), and building from source needs cmake and g++ on PATH.`,
      made,
    );

  // Download the pinned LibTorch, preferably one a prebuild was made for.
  const variant = requestedVariant();
  // a prebuild runs against a LibTorch elsewhere only through the preloader beside it
  const preloader = fs.existsSync(path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'nodetorch-preload.node'));
  const archive =
    preloader &&
    TABLE.archives.find(
      (a) => a.variant === variant && made.some((p) => p.version === a.version && (p.variant === 'cpu') === (variant === 'cpu')),
    );
  if (!archive && !compilers) {
    const why = found ? `no prebuild fits LibTorch ${found.version} in ${found.libDir}` : notFound.split('\n')[0];
    const lacking = made.length && !preloader ? ' (the prebuilds lack their preloader, nodetorch-preload.node: reinstall the package)' : '';
    stop(
      `nodetorch: ${why}; no prebuild fits a LibTorch nodetorch can download for ${variant}${lacking}, and building from source needs cmake and g++ on PATH.`,
      made,
    );
  }
  const dir = await downloadLibTorch({ variant, version: (archive ?? pinnedArchive(variant)).version });
  if (archive) {
    say(`using the prebuild for LibTorch ${archive.version} (${variant}), with the LibTorch in ${dir}: nothing compiled`);
    return;
  }
  process.env.LIBTORCH = dir;
  buildFromSource(findLibTorch());
}

main().catch((e) => {
  console.error(e.message);
  exit(1);
});
