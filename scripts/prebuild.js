#!/usr/bin/env node
'use strict';
// npm run build:prebuilds: builds the addon with prebuildify (node-gyp, stripped) and names it after
// the LibTorch it links, with a manifest beside it that the loader and scripts/install.js read:
//   prebuilds/<platform>-<arch>/nodetorch-libtorch-<version>-<cpu|cuda>.node (+ .json)
// A prebuild finds LibTorch by absolute path, so it serves machines that have that same LibTorch.
const fs = require('fs');
const path = require('path');
const { execFileSync, spawnSync } = require('child_process');
const { findLibTorch } = require('./find-libtorch');

const root = path.resolve(__dirname, '..');
const target = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const libtorch = findLibTorch();
const variant = libtorch.cuda ? 'cuda' : 'cpu';
const name = `nodetorch-libtorch-${libtorch.version}-${variant}`;

const built = spawnSync(process.execPath, [require.resolve('prebuildify/bin.js'), '--napi', '--strip'], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status === null ? 1 : built.status);

// prebuildify names its output after the package (nodetorch.node; older versions node.napi.node)
const fresh = fs.readdirSync(target).filter((f) => f.endsWith('.node') && !f.startsWith('nodetorch-libtorch-'));
if (fresh.length !== 1) throw new Error(`prebuild: expected one new .node file in ${target}, found: ${fresh.join(', ') || 'none'}`);
fs.renameSync(path.join(target, fresh[0]), path.join(target, `${name}.node`));
// The LibTorch libraries as the dynamic linker resolves them for this file (through its rpath).
const ldd = execFileSync('ldd', [path.join(target, `${name}.node`)], { encoding: 'utf8' });
const libraries = [...ldd.matchAll(/^\s*lib(?:torch|c10)\S*\.so\S* => (\S+)/gm)].map((m) => m[1]);
const manifest = { libtorch: { version: libtorch.version, variant, cxx11Abi: libtorch.cxx11Abi, libraries } };
fs.writeFileSync(path.join(target, `${name}.json`), JSON.stringify(manifest, null, 2) + '\n');
console.log(
  `prebuild: ${path.relative(root, path.join(target, name))}.node for LibTorch ${libtorch.version} (${variant}): ${libraries.join(', ')}`,
);
