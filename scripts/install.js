#!/usr/bin/env node
'use strict';
// npm's install hook: builds the addon with cmake-js unless a local build or a prebuild for this
// platform already exists. NODETORCH_SKIP_BUILD=1 skips it (scripts/setup.sh builds itself).
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
if (process.env.NODETORCH_SKIP_BUILD === '1') process.exit(0);
const local = path.join(root, 'build', 'Release', 'nodetorch.node');
const prebuilds = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const hasPrebuild = fs.existsSync(prebuilds) && fs.readdirSync(prebuilds).some((f) => f.endsWith('.node'));
if (fs.existsSync(local) || hasPrebuild) process.exit(0);

console.log('nodetorch: no prebuilt addon for this platform; building it with cmake-js');
const result = spawnSync(process.execPath, [require.resolve('cmake-js/bin/cmake-js'), 'compile', '--CDCMAKE_BUILD_TYPE=Release'], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status === null ? 1 : result.status);
