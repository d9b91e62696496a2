/**
 * Where a prebuild's LibTorch comes from. A prebuild names LibTorch's libraries by soname alone (no
 * rpath: scripts/prebuild.js), so before it is required, the loader finds a LibTorch of the very
 * version and variant it was built for and loads that LibTorch's libraries by absolute path with
 * RTLD_GLOBAL (prebuilds/<platform>/nodetorch-preload.node); the dynamic linker then resolves the
 * prebuild's sonames to them. The load-time check in the addon still compares the versions.
 *
 * Sources, in order: an explicit choice (LIBTORCH / Torch_DIR, NODETORCH_LIBTORCH=system|python);
 * else the download cache (<cache>/libtorch/<version>-<variant>, scripts/libtorch-download.js);
 * else (auto) the folder the prebuild was built against, if this machine has it, and last a pip
 * torch or the system's LibTorch (scripts/find-libtorch.js).
 */
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir } from './config';

/** What scripts/prebuild.js records beside a prebuild. */
export interface PrebuildManifest {
  libtorch: { version: string; variant: string; cxx11Abi: number; libraries: string[]; sonames?: string[] };
}

/** A LibTorch folder that fits a prebuild, or why none does. */
export type LibTorchChoice = { libDir: string; source: string } | { skip: string };

interface FoundLibTorch {
  version: string;
  cuda: boolean;
  libDir: string;
  source: string;
}

function describe(m: PrebuildManifest): string {
  return `LibTorch ${m.libtorch.version} (${m.libtorch.variant})`;
}

function sonames(m: PrebuildManifest): string[] {
  return m.libtorch.sonames ?? m.libtorch.libraries.map((lib) => path.basename(lib));
}

function holds(libDir: string, m: PrebuildManifest): boolean {
  return sonames(m).every((name) => fs.existsSync(path.join(libDir, name)));
}

/** The downloaded LibTorch of the prebuild's version and variant (cpu, or any cuXY for cuda). */
function fromDownloadCache(m: PrebuildManifest): string | undefined {
  const folder = path.join(cacheDir(), 'libtorch');
  if (!fs.existsSync(folder)) return undefined;
  const { version, variant } = m.libtorch;
  const fits = (name: string) => name === `${version}-${variant}` || (variant === 'cuda' && name.startsWith(`${version}-cu`));
  return (
    fs
      .readdirSync(folder)
      .filter(fits)
      // complete entries only: the marker is written last, before the rename (scripts/libtorch-download.js)
      .filter((name) => fs.existsSync(path.join(folder, name, '.nodetorch-archive.json')))
      .map((name) => path.join(folder, name, 'lib'))
      .find((libDir) => holds(libDir, m))
  );
}

/** scripts/find-libtorch.js's answer (LIBTORCH, Torch_DIR, NODETORCH_LIBTORCH, a pip torch, the system). */
function found(root: string): FoundLibTorch | string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path.join(root, 'scripts', 'find-libtorch.js')).findLibTorch() as FoundLibTorch;
  } catch (e) {
    // the first line and what was tried (the lines between "Tried:" and "Fix one of:")
    const lines = (e as Error).message.split('\n');
    const start = lines.indexOf('Tried:');
    const end = lines.indexOf('Fix one of:');
    const tried = start >= 0 && end > start ? lines.slice(start + 1, end).map((l) => l.trim().replace(/^- /, '')) : [];
    return `${lines[0]}${tried.length ? ` Tried: ${tried.join('; ')}` : ''}`;
  }
}

function fitting(f: FoundLibTorch | string, m: PrebuildManifest): LibTorchChoice {
  if (typeof f === 'string') return { skip: `built for ${describe(m)}; ${f}` };
  const variant = f.cuda ? 'cuda' : 'cpu';
  if (f.version !== m.libtorch.version || variant !== m.libtorch.variant)
    return { skip: `built for ${describe(m)}, but the LibTorch found (${f.source}) is ${f.version} (${variant}) in ${f.libDir}` };
  if (!holds(f.libDir, m)) return { skip: `built for ${describe(m)}, but ${f.libDir} lacks ${sonames(m).join(', ')}` };
  return { libDir: f.libDir, source: f.source };
}

/** The LibTorch folder to preload for a prebuild. */
export function libtorchForPrebuild(root: string, m: PrebuildManifest): LibTorchChoice {
  const mode = process.env.NODETORCH_LIBTORCH || 'auto';
  if (process.env.LIBTORCH || process.env.Torch_DIR || mode === 'system' || mode === 'python') return fitting(found(root), m);
  const cached = fromDownloadCache(m);
  if (cached) return { libDir: cached, source: 'download cache' };
  if (mode === 'download')
    return { skip: `built for ${describe(m)}, which is not in ${path.join(cacheDir(), 'libtorch')} (npm rebuild nodetorch downloads it)` };
  const buildDir = path.dirname(m.libtorch.libraries[0] ?? '');
  if (m.libtorch.libraries.length && holds(buildDir, m)) return { libDir: buildDir, source: 'the folder it was built against' };
  const other = fitting(found(root), m);
  if ('libDir' in other) return other;
  const cache = path.join(cacheDir(), 'libtorch');
  return {
    skip: `built for ${describe(m)}, which is neither in the download cache (${cache}) nor where it was built (${buildDir}); ${other.skip.replace(/^built for [^,;]*[,;] (but )?/, '')}`,
  };
}

/** The preload order: c10 before the libraries that link it, libtorch (which links the rest) last. */
const ORDER = ['libc10.so', 'libtorch_cpu.so', 'libc10_cuda.so', 'libtorch_cuda.so', 'libtorch.so'];

/** Loads the prebuild's LibTorch libraries from `libDir`, globally, through the preloader next to it. */
export function preloadLibTorch(prebuildDir: string, libDir: string, m: PrebuildManifest): boolean {
  const preloader = path.join(prebuildDir, 'nodetorch-preload.node');
  if (!fs.existsSync(preloader)) return false; // a prebuild made without one relies on its rpath
  const rank = (name: string) => {
    const unversioned = name.replace(/\.so.*$/, '.so'); // Debian's sonames carry the version: libc10.so.1.13
    return ORDER.includes(unversioned) ? ORDER.indexOf(unversioned) : ORDER.length - 1;
  };
  const files = [...sonames(m)].sort((a, b) => rank(a) - rank(b)).map((name) => path.join(libDir, name));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require(preloader) as { preload(files: string[]): void }).preload(files);
  return true;
}
