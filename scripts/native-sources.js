'use strict';
// The native sources, relative to the package root, in the order every build compiles them: the
// addon's Node-API entry points (native/*.cc) and the engine they call (native/engine/*.cc: modules,
// criteria and optimizers without Node-API, which test/native/ builds alone).
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const list = (dir) =>
  fs
    .readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith('.cc'))
    .sort()
    .map((f) => `${dir}/${f}`);

const addonSources = list('native');
const engineSources = list('native/engine');

module.exports = { addonSources, engineSources, root };
