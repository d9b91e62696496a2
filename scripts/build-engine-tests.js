#!/usr/bin/env node
'use strict';
// Builds the engine's C++ tests (test/native/engine_test.cc, doctest) with native/engine/*.cc and
// LibTorch alone: no Node-API header is on the include path, so this also proves the engine is free
// of Node. The LibTorch is the one the builds find (scripts/find-libtorch.js). Two translation units
// (the engine as one unity file, the tests), compiled side by side, through ccache when it is there.
//   node scripts/build-engine-tests.js <output folder>   → prints the test binary's path
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { compileFlags, findLibTorch } = require('./find-libtorch');
const { engineSources, root } = require('./native-sources');

const DOCTEST_HINT = 'the C++ tests need doctest (Debian: apt-get install doctest-dev, or NODETORCH_SETUP_TEST_TOOLS=1 npm run setup)';

function onPath(command) {
  return (process.env.PATH || '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, command)));
}

/** Runs a command; resolves when it succeeds, rejects with its output when it fails. */
function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => reject(new Error(`${command}: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) return resolve();
      const hint = out.includes('doctest/doctest.h') ? `\n${DOCTEST_HINT}` : '';
      reject(new Error(`${command} ${args.at(-1)} failed (${code}):\n${out.slice(-4000)}${hint}`));
    });
  });
}

async function build(outDir) {
  const libtorch = findLibTorch();
  const cxx = process.env.CXX || 'g++';
  const [compiler, ...compilerArgs] = onPath('ccache') && !cxx.includes('ccache') ? ['ccache', cxx] : cxx.split(' ');
  fs.mkdirSync(outDir, { recursive: true });
  const isystem = libtorch.includeDirs
    .filter((dir) => !['/usr/include', '/usr/local/include'].includes(path.resolve(dir)))
    .map((dir) => `-isystem${dir}`);
  const flags = [...compilerArgs, ...compileFlags(libtorch), ...isystem, `-I${path.join(root, 'native')}`, '-O1', '-c'];
  const unity = path.join(outDir, 'engine_unity.cc');
  const text = engineSources.map((f) => `#include "${path.join(root, f)}"\n`).join('');
  if (!fs.existsSync(unity) || fs.readFileSync(unity, 'utf8') !== text) fs.writeFileSync(unity, text);
  const engineObject = path.join(outDir, 'engine.o');
  const testObject = path.join(outDir, 'engine_test.o');
  await Promise.all([
    run(compiler, [...flags, '-o', engineObject, unity]),
    run(compiler, [...flags, '-o', testObject, path.join(root, 'test', 'native', 'engine_test.cc')]),
  ]);
  const binary = path.join(outDir, 'engine_test');
  const libs = ['-Wl,--no-as-needed', ...libtorch.libs.map((l) => `-l${l}`)];
  await run(cxx.split(' ')[0], [testObject, engineObject, `-L${libtorch.libDir}`, `-Wl,-rpath,${libtorch.libDir}`, ...libs, '-o', binary]);
  return { binary, libtorch };
}

module.exports = { build };

if (require.main === module) {
  const outDir = path.resolve(process.argv[2] || path.join(root, 'build', 'engine-tests'));
  build(outDir).then(
    ({ binary }) => console.log(binary),
    (e) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}
