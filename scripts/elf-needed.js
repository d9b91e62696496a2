'use strict';
// The LibTorch libraries (libtorch*, libc10*) a shared object names in its DT_NEEDED entries, by
// soname (readelf, from binutils): what a prebuild's manifest records and the loader preloads.
const { execFileSync } = require('child_process');

function neededLibTorch(file) {
  const dynamic = execFileSync('readelf', ['-d', file], { encoding: 'utf8' });
  return [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[((?:libtorch|libc10)\S*)\]/g)].map((m) => m[1]);
}

module.exports = { neededLibTorch };
