#!/usr/bin/env node
'use strict';
// Finds LibTorch for both builds (CMakeLists.txt and binding.gyp), so that they can never disagree.
// Order: LIBTORCH (a LibTorch root) or Torch_DIR (its CMake config folder) → the Python `torch`
// package's LibTorch (how CUDA machines get it) → the system CMake config (Debian/Ubuntu
// `libtorch-dev`) → a LibTorch downloaded into the user cache (scripts/libtorch-download.js).
// NODETORCH_LIBTORCH=auto (default) | system (LIBTORCH / Torch_DIR or the system config) | python | download
// narrows the search to one source.
// Usage: node scripts/find-libtorch.js [--json|--cmake-dir|--include|--libdir|--libs|--cflags|--rpath|--gloo|--nccl|--version]
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const CONFIG = 'TorchConfig.cmake';

/** Turns a folder holding TorchConfig.cmake into the include/lib layout a compiler needs. */
function describe(cmakeDir, source) {
  if (!fs.existsSync(path.join(cmakeDir, CONFIG))) return null;
  // A LibTorch zip or wheel keeps <root>/share/cmake/Torch; Debian keeps /usr/lib/<triplet>/cmake/Torch.
  let prefix = path.resolve(cmakeDir, '..', '..', '..');
  let libDir = path.join(prefix, 'lib');
  if (!fs.existsSync(path.join(prefix, 'include', 'torch'))) {
    libDir = path.resolve(cmakeDir, '..', '..');
    prefix = libDir;
    while (prefix !== path.dirname(prefix) && !fs.existsSync(path.join(prefix, 'include', 'torch'))) {
      prefix = path.dirname(prefix);
    }
  }
  const include = path.join(prefix, 'include');
  if (!fs.existsSync(path.join(include, 'torch'))) return null;
  const configText = fs.readFileSync(path.join(cmakeDir, CONFIG), 'utf8');
  const abiMatch = /_GLIBCXX_USE_CXX11_ABI=(\d)/.exec(configText);
  // LibTorch 2.x headers need C++20 (its config says so on the torch target); 1.13 says 14.
  const stdMatch = /CXX_STANDARD (\d+)/.exec(configText);
  const versionFile = path.join(cmakeDir, 'TorchConfigVersion.cmake');
  const versionMatch = fs.existsSync(versionFile) && /PACKAGE_VERSION "([^"]+)"/.exec(fs.readFileSync(versionFile, 'utf8'));
  const has = (name) => fs.existsSync(path.join(libDir, `lib${name}.so`));
  const cuda = has('torch_cuda');
  // c10d's Gloo backend (distributed training): LibTorch's headers declare it, Gloo's own headers
  // come from elsewhere (wheels ship none; Debian's libgloo-dev, or GLOO_INCLUDE_DIR).
  const glooDirs = [process.env.GLOO_INCLUDE_DIR, include, '/usr/include', '/usr/local/include'].filter(Boolean);
  const glooInclude = fs.existsSync(path.join(include, 'torch', 'csrc', 'distributed', 'c10d', 'ProcessGroupGloo.hpp'))
    ? (glooDirs.find((d) => fs.existsSync(path.join(d, 'gloo', 'algorithm.h'))) ?? null)
    : null;
  // c10d's NCCL backend: a CUDA LibTorch, its ProcessGroupNCCL header, and nccl.h (the CUDA wheel's
  // nvidia-nccl package, NCCL_INCLUDE_DIR, or a system install).
  const ncclDirs = [
    process.env.NCCL_INCLUDE_DIR,
    path.join(libDir, '..', '..', 'nvidia', 'nccl', 'include'),
    '/usr/include',
    '/usr/local/cuda/include',
  ].filter(Boolean);
  const ncclInclude =
    glooInclude && has('torch_cuda') && fs.existsSync(path.join(include, 'torch', 'csrc', 'distributed', 'c10d', 'ProcessGroupNCCL.hpp'))
      ? (ncclDirs.find((d) => fs.existsSync(path.join(d, 'nccl.h'))) ?? null)
      : null;
  const libs = ['torch', 'torch_cpu', 'c10'].concat(cuda ? ['torch_cuda', 'c10_cuda'] : []).filter(has);
  return {
    source,
    version: versionMatch ? versionMatch[1] : 'unknown',
    cmakeDir,
    includeDirs: [include, path.join(include, 'torch', 'csrc', 'api', 'include')],
    libDir,
    libs,
    cuda,
    glooInclude,
    ncclInclude: ncclInclude && path.resolve(ncclInclude),
    // LibTorch's CUDA headers include the CUDA libraries' (cusparse.h, cublas_v2.h…), which a wheel
    // ships in its nvidia-* packages
    cudaLibraryIncludes: ncclInclude ? wheelCudaIncludes(libDir) : [],
    cxx11Abi: abiMatch ? Number(abiMatch[1]) : 1,
    cxxStandard: Math.max(17, stdMatch ? Number(stdMatch[1]) : 17),
  };
}

function fromEnvironment(tried) {
  if (process.env.LIBTORCH) {
    const dir = path.join(path.resolve(process.env.LIBTORCH), 'share', 'cmake', 'Torch');
    tried.push(`LIBTORCH=${process.env.LIBTORCH} (looked for ${path.join(dir, CONFIG)})`);
    return describe(dir, 'LIBTORCH');
  }
  if (process.env.Torch_DIR) {
    tried.push(`Torch_DIR=${process.env.Torch_DIR} (looked for ${CONFIG} there)`);
    return describe(path.resolve(process.env.Torch_DIR), 'Torch_DIR');
  }
  tried.push('LIBTORCH / Torch_DIR: not set');
  return null;
}

function fromPython(tried) {
  const python = process.env.PYTHON || 'python3';
  try {
    const out = execFileSync(python, ['-c', 'import torch.utils; print(torch.utils.cmake_prefix_path)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60000,
    }).trim();
    tried.push(`${python} -c 'import torch': cmake_prefix_path=${out}`);
    return describe(path.join(out, 'Torch'), 'python torch package');
  } catch {
    tried.push(`${python} -c 'import torch': no Python torch package`);
    return null;
  }
}

function fromSystem(tried) {
  const candidates = [];
  for (const lib of ['/usr/lib', '/usr/local/lib', '/usr/lib64']) {
    candidates.push(path.join(lib, 'cmake', 'Torch'));
    if (fs.existsSync(lib)) {
      for (const entry of fs.readdirSync(lib)) {
        if (/-linux-gnu/.test(entry)) candidates.push(path.join(lib, entry, 'cmake', 'Torch'));
      }
    }
  }
  candidates.push('/usr/local/share/cmake/Torch', '/usr/share/cmake/Torch', '/opt/libtorch/share/cmake/Torch');
  for (const dir of candidates) {
    const found = describe(dir, 'system CMake config');
    if (found) return found;
  }
  tried.push(`system CMake config: none of ${candidates.join(', ')}`);
  return null;
}

function fromDownloadCache(tried) {
  const { cachedLibTorch, requestedVariant, pinnedArchive, cacheRoot } = require('./libtorch-download');
  const archive = pinnedArchive(requestedVariant());
  const dir = cachedLibTorch(archive.version, archive.variant);
  tried.push(
    `the download cache: ${dir ?? `no LibTorch ${archive.version} (${archive.variant}) in ${path.join(cacheRoot(), 'libtorch')}`}`,
  );
  return dir && describe(path.join(dir, 'share', 'cmake', 'Torch'), 'download cache');
}

const SOURCES = ['auto', 'system', 'python', 'download'];

/** NODETORCH_LIBTORCH: which sources findLibTorch may use (auto: all, in order). */
function librarySource() {
  const source = process.env.NODETORCH_LIBTORCH || 'auto';
  if (!SOURCES.includes(source)) throw new Error(`nodetorch: NODETORCH_LIBTORCH=${source} is not one of ${SOURCES.join(', ')}`);
  return source;
}

/** Returns LibTorch's layout, or throws an Error that lists what was tried and how to fix it. */
function findLibTorch() {
  const tried = [];
  const source = librarySource();
  const explicit = Boolean(process.env.LIBTORCH || process.env.Torch_DIR);
  // An explicit choice that does not hold LibTorch is an error, never a silent fallback.
  const searches = {
    auto: [fromEnvironment, fromPython, fromSystem, fromDownloadCache],
    system: [fromEnvironment, fromSystem],
    python: [fromPython],
    download: [fromDownloadCache],
  }[source];
  const order = explicit && searches.includes(fromEnvironment) ? [fromEnvironment] : searches;
  for (const search of order) {
    const found = search(tried);
    if (found) return found;
  }
  throw new Error(
    'nodetorch: LibTorch was not found.\nTried:\n' +
      tried.map((t) => `  - ${t}`).join('\n') +
      '\nFix one of:\n' +
      '  - Debian/Ubuntu (CPU): sudo apt-get install libtorch-dev   (or: npm run setup)\n' +
      '  - CUDA: pip install torch (its LibTorch is used), or unzip a LibTorch download and set LIBTORCH=/path/to/libtorch\n' +
      '  - any LibTorch: set Torch_DIR to the folder holding TorchConfig.cmake\n' +
      '  - no root, no compiler: npm rebuild nodetorch downloads a LibTorch for the prebuilt addon (NODETORCH_LIBTORCH=download)',
  );
}

/** The include folders of a CUDA wheel's nvidia-* packages (site-packages/nvidia/<package>/include). */
function wheelCudaIncludes(libDir) {
  const nvidia = path.resolve(libDir, '..', '..', 'nvidia');
  if (!fs.existsSync(nvidia)) return [];
  return fs
    .readdirSync(nvidia)
    .filter((p) => p !== 'nccl')
    .map((p) => path.join(nvidia, p, 'include'))
    .filter((d) => fs.existsSync(d));
}

/** Compiler flags for c10d's Gloo backend: none when its headers are missing (no distributed support). */
function glooFlags(t) {
  if (!t.glooInclude) return [];
  const systemDir = ['/usr/include', '/usr/local/include'].includes(t.glooInclude);
  // our code keys on NODETORCH_*; c10d's headers declare their classes under USE_C10D_*
  const flags = ['-DNODETORCH_GLOO', '-DUSE_C10D_GLOO', ...(systemDir ? [] : [`-I${t.glooInclude}`])];
  // NCCL's header and the CUDA runtime's, which LibTorch's CUDA headers include
  if (t.ncclInclude) {
    const cudaRoot = [process.env.CUDA_HOME, process.env.CUDA_PATH, '/usr/local/cuda'].find(
      (d) => d && fs.existsSync(path.join(d, 'include', 'cuda_runtime_api.h')),
    );
    if (cudaRoot)
      flags.push(
        '-DNODETORCH_NCCL',
        '-DUSE_C10D_NCCL',
        `-I${t.ncclInclude}`,
        `-I${path.join(cudaRoot, 'include')}`,
        ...t.cudaLibraryIncludes.map((d) => `-I${d}`),
      );
  }
  return flags;
}

/** The compiler flags a build against `t` needs beyond its include folders (--cflags). */
function compileFlags(t) {
  return [`-std=c++${t.cxxStandard}`, `-D_GLIBCXX_USE_CXX11_ABI=${t.cxx11Abi}`, ...glooFlags(t)];
}

module.exports = { findLibTorch, compileFlags, librarySource };

if (require.main === module) {
  try {
    const t = findLibTorch();
    const mode = process.argv[2] || '--json';
    const outputs = {
      '--json': () => JSON.stringify(t, null, 2),
      '--cmake-dir': () => t.cmakeDir,
      '--include': () => t.includeDirs.join(' '),
      '--libdir': () => t.libDir,
      '--libs': () => t.libs.map((l) => `-l${l}`).join(' '),
      '--cflags': () => compileFlags(t).join(' '),
      // a prebuild carries no path of the build machine: the loader preloads its LibTorch (lib/native.ts)
      '--rpath': () => (process.env.NODETORCH_PREBUILD === '1' ? '' : `-Wl,-rpath,${t.libDir}`),
      '--gloo': () => t.glooInclude ?? '',
      '--nccl': () => (t.ncclInclude ? [t.ncclInclude, ...t.cudaLibraryIncludes].join(';') : ''),
      '--version': () => t.version,
    };
    if (!outputs[mode]) throw new Error(`unknown option ${mode}; expected one of ${Object.keys(outputs).join(', ')}`);
    process.stdout.write(outputs[mode]() + '\n');
  } catch (e) {
    process.stderr.write(e.message + '\n');
    process.exit(1);
  }
}
