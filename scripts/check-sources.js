#!/usr/bin/env node
'use strict';
// The unity build's guard (CI runs it once): the build compiles native/*.cc and native/engine/*.cc
// as two unity files, so one file's internal names share a translation unit with its neighbours',
// and which neighbours depends on where the alphabetical split falls. Two syntax-only compilations
// prove that every split works:
//   1. all sources in one translation unit: no two files define the same internal name;
//   2. each source alone: every file includes what it uses, not what a neighbour included; and
//      each engine source (native/engine/) without Node-API's headers on the include path, so the
//      engine stays free of Node and its C++ tests (test/native/) build without it.
// The headers are precompiled once for step 2 (parsing LibTorch's costs ~15 s). A check that passed
// is remembered in the user cache under a digest of everything it read that can change (the
// compiler, its flags, LibTorch's version and folders, the source and every header of native/, but
// not where the checkout lies), so a second run on the same machine, in this checkout or a fresh
// clone, compiles only what changed (on 2 cores: 333 s for all of it).
//   node scripts/check-sources.js
const crypto = require('crypto');
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { compileFlags, findLibTorch } = require('./find-libtorch');
const { cacheRoot } = require('./libtorch-download');

const root = path.resolve(__dirname, '..');
const libtorch = findLibTorch();
const cxx = process.env.CXX || 'g++';
// the compiler's own folders stay out of -isystem (it would break #include_next in libstdc++)
const isystem = (dirs) =>
  dirs.filter((dir) => !['/usr/include', '/usr/local/include'].includes(path.resolve(dir))).map((dir) => `-isystem${dir}`);
// the same flags as the builds (find-libtorch.js --cflags, which binding.gyp reads) and binding.gyp's defines
const engineFlags = [...compileFlags(libtorch), ...isystem(libtorch.includeDirs), `-I${path.join(root, 'native')}`];
const flags = [
  ...engineFlags,
  '-DNAPI_VERSION=8',
  '-DNAPI_CPP_EXCEPTIONS',
  '-DNODE_ADDON_API_DISABLE_DEPRECATED',
  '-DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS',
  '-DBUILDING_NODE_EXTENSION',
  `-I${require('node-api-headers').include_dir}`,
  `-I${require('node-addon-api').include_dir}`,
];
const { addonSources, engineSources } = require('./native-sources');
const sources = [...addonSources, ...engineSources];
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-sources-'));

// Passed checks, one empty file each, named by the digest of what the check read.
const passed = path.join(cacheRoot(), 'check-sources');
const headers = ['native', 'native/engine']
  .flatMap((dir) =>
    fs
      .readdirSync(path.join(root, dir))
      .filter((f) => f.endsWith('.h'))
      .map((f) => `${dir}/${f}`),
  )
  .sort();
const unchanging = [
  execFileSync(cxx, ['--version'], { encoding: 'utf8' }),
  // the checkout's own folder is left out: a fresh clone elsewhere (as CI's) reads the same files
  JSON.stringify(flags).split(root).join('<checkout>'),
  libtorch.version,
  require('node-addon-api/package.json').version,
  require('node-api-headers/package.json').version,
  ...headers.flatMap((f) => [f, fs.readFileSync(path.join(root, f), 'utf8')]),
].join('\0');
/** The name of a check of `files` (relative paths) run as `how`. */
function digest(how, files) {
  const hash = crypto.createHash('sha256').update(unchanging).update(how);
  for (const f of files) hash.update(`\0${f}\0`).update(fs.readFileSync(path.join(root, f)));
  return path.join(passed, hash.digest('hex'));
}
/** Runs `check` (resolves to a failure or null) unless the same check passed before; remembers a pass. */
async function remembered(key, check) {
  if (fs.existsSync(key)) return null;
  const failure = await check();
  if (!failure) {
    fs.mkdirSync(passed, { recursive: true });
    fs.writeFileSync(key, ''); // empty: a half-written marker is still a whole one
  }
  return failure;
}

/** Runs the compiler; resolves to its output when it fails, to null when it succeeds. */
function compile(args, withNode = true) {
  return new Promise((resolve) => {
    const child = spawn(cxx, [...(withNode ? flags : engineFlags), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve(code === 0 ? null : out || `${cxx} exited with ${code}`));
  });
}

async function main() {
  const started = Date.now();
  const failures = [];
  // 1. every source in one translation unit, as the unity build would with a single batch
  const all = path.join(work, 'all.cc');
  fs.writeFileSync(all, sources.map((f) => `#include "${path.join(root, f)}"\n`).join(''));
  const together = await remembered(digest('together', sources), () => compile(['-fsyntax-only', all]));
  if (together) failures.push(`all ${sources.length} sources in one translation unit:\n${together}`);
  // 2. each source alone, the headers precompiled: Node-API's and LibTorch's for the addon's
  // sources, LibTorch's alone (and no Node-API include path) for the engine's
  const pending = sources.filter((f) => !fs.existsSync(digest('alone', [f])));
  const pch = path.join(work, 'pch.h');
  const enginePch = path.join(work, 'engine-pch.h');
  fs.writeFileSync(pch, '#include <napi.h>\n#include <torch/torch.h>\n');
  fs.writeFileSync(enginePch, '#include <torch/torch.h>\n');
  const precompiled =
    pending.length > 0 &&
    ((await compile(['-x', 'c++-header', pch, '-o', `${pch}.gch`])) ||
      (await compile(['-x', 'c++-header', enginePch, '-o', `${enginePch}.gch`], false)));
  if (precompiled) failures.push(`precompiling the headers:\n${precompiled}`);
  else {
    const queue = [...pending];
    const jobs = Math.max(1, Math.min(os.cpus().length, 4));
    await Promise.all(
      Array.from({ length: jobs }, async () => {
        for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
          const engine = engineSources.includes(f);
          const alone = await remembered(digest('alone', [f]), () =>
            compile(['-include', engine ? enginePch : pch, '-fsyntax-only', path.join(root, f)], !engine),
          );
          if (alone) failures.push(`${f} alone${engine ? ' (without Node-API)' : ''}:\n${alone}`);
        }
      }),
    );
  }
  fs.rmSync(work, { recursive: true, force: true });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (failures.length) {
    console.error(failures.join('\n\n'));
    console.error(`check-sources: ${failures.length} failure(s) in ${seconds} s`);
    process.exit(1);
  }
  console.log(
    `check-sources: ${sources.length} sources compile together in one translation unit and each alone, the engine's without Node-API (${seconds} s; ${pending.length} compiled alone, the others unchanged since they passed)`,
  );
}

main();
