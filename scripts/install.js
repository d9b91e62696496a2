#!/usr/bin/env node
'use strict';
// npm's install hook: uses a local build or a prebuild whose LibTorch is on this machine, else
// builds from source with cmake-js (its progress shows), else explains what is missing.
// NODETORCH_SKIP_BUILD=1 skips it (scripts/setup.sh builds itself).
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
if (process.env.NODETORCH_SKIP_BUILD === '1') process.exit(0);
if (fs.existsSync(path.join(root, 'build', 'Release', 'nodetorch.node'))) process.exit(0);

const prebuildDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const prebuilds = fs.existsSync(prebuildDir) ? fs.readdirSync(prebuildDir).filter((f) => f.endsWith('.json')) : [];
const needs = [];
for (const name of prebuilds) {
  const { libtorch } = JSON.parse(fs.readFileSync(path.join(prebuildDir, name), 'utf8'));
  if (libtorch.libraries.every((lib) => fs.existsSync(lib))) {
    console.log(`nodetorch: using the prebuild for LibTorch ${libtorch.version} (${libtorch.variant})`);
    process.exit(0);
  }
  needs.push(`LibTorch ${libtorch.version} (${libtorch.variant}) at ${path.dirname(libtorch.libraries[0])}`);
}

let found;
try {
  found = require('./find-libtorch').findLibTorch();
} catch (e) {
  console.error(e.message);
  if (needs.length) console.error(`The prebuilds need: ${needs.join('; ')}`);
  process.exit(1);
}
console.log(
  `nodetorch: no prebuild matches LibTorch ${found.version} (${found.cuda ? 'cuda' : 'cpu'}) in ${found.libDir}; building from source with cmake-js (a few minutes)`,
);
const result = spawnSync(process.execPath, [require.resolve('cmake-js/bin/cmake-js'), 'compile', '--CDCMAKE_BUILD_TYPE=Release'], {
  cwd: root,
  stdio: 'inherit',
});
if (result.status !== 0) {
  console.error('nodetorch: the build from source failed (see above). Fix what it names, then run: npm rebuild nodetorch');
  if (needs.length) console.error(`The prebuilds need: ${needs.join('; ')}`);
}
process.exit(result.status === null ? 1 : result.status);
