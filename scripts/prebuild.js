#!/usr/bin/env node
'use strict';
// npm run build:prebuilds: builds the addon with prebuildify (node-gyp, stripped) and names it after
// the LibTorch it links, with a manifest beside it that the loader and scripts/install.js read:
//   prebuilds/<platform>-<arch>/nodetorch-libtorch-<version>-<cpu|cuda>.node (+ .json)
// and the preloader (native/preload/preload.c) as prebuilds/<platform>-<arch>/nodetorch-preload.node.
// A prebuild carries no rpath: it names LibTorch's libraries by soname, and the loader preloads a
// LibTorch of the same version and variant from wherever it lies (lib/native.ts).
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { neededLibTorch } = require('./elf-needed');
const { findLibTorch } = require('./find-libtorch');

const root = path.resolve(__dirname, '..');
const target = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const libtorch = findLibTorch();
const variant = libtorch.cuda ? 'cuda' : 'cpu';
const name = `nodetorch-libtorch-${libtorch.version}-${variant}`;

// the preloader first: a prebuild without one beside it cannot load (it carries no rpath)
fs.mkdirSync(target, { recursive: true });
const preload = path.join(target, 'nodetorch-preload.node');
const cc = spawnSync(
  process.env.CC || 'cc',
  [
    '-shared',
    '-fPIC',
    '-O2',
    '-s',
    '-DNAPI_VERSION=8',
    `-I${require('node-api-headers').include_dir}`,
    path.join(root, 'native', 'preload', 'preload.c'),
    '-o',
    preload,
  ],
  { stdio: 'inherit' },
);
if (cc.status !== 0) process.exit(cc.status === null ? 1 : cc.status);

const built = spawnSync(process.execPath, [require.resolve('prebuildify/bin.js'), '--napi', '--strip'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODETORCH_PREBUILD: '1' },
});
if (built.status !== 0) process.exit(built.status === null ? 1 : built.status);

// prebuildify names its output after the package (nodetorch.node; older versions node.napi.node)
const fresh = fs
  .readdirSync(target)
  .filter((f) => f.endsWith('.node') && !f.startsWith('nodetorch-libtorch-') && f !== 'nodetorch-preload.node');
if (fresh.length !== 1) throw new Error(`prebuild: expected one new .node file in ${target}, found: ${fresh.join(', ') || 'none'}`);
const file = path.join(target, `${name}.node`);
fs.renameSync(path.join(target, fresh[0]), file);
// The LibTorch libraries it needs, by soname, and where they were at build time (the dynamic linker
// finds them there only through LD_LIBRARY_PATH; the loader preloads them instead).
const needed = neededLibTorch(file);
const libraries = needed.map((soname) => path.join(libtorch.libDir, soname));
const manifest = { libtorch: { version: libtorch.version, variant, cxx11Abi: libtorch.cxx11Abi, sonames: needed, libraries } };
fs.writeFileSync(path.join(target, `${name}.json`), JSON.stringify(manifest, null, 2) + '\n');

console.log(
  `prebuild: ${path.relative(root, file)} for LibTorch ${libtorch.version} (${variant}), needs ${needed.join(', ')}; ${path.relative(root, preload)}`,
);
