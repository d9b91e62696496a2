// A LibTorch archive in the official layout (one libtorch/ folder: lib, include, share/cmake/Torch,
// build-version), zipped by Python's zipfile (not by the code under test), and an HTTP server on
// 127.0.0.1 that serves it as a mirror would, or breaks as networks do.
import { execFileSync, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { CHILD_TIMEOUT_MS } from './common';

const ZIP = `
import json, os, sys, zipfile
out, version, sources = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED) as z:
    z.writestr('libtorch/build-version', version + '\\n')
    for src, dest in sources.items():
        if os.path.isfile(src):
            z.write(src, dest)
            continue
        for folder, _, files in os.walk(src):
            for f in sorted(files):
                full = os.path.join(folder, f)
                z.write(full, os.path.join(dest, os.path.relpath(full, src)))
`;

/** Zips `sources` ({ file or folder: path inside the archive }) into `out`; returns its SHA-256. */
export function zipArchive(out: string, version: string, sources: Record<string, string>): string {
  execFileSync('python3', ['-c', ZIP, out, version, JSON.stringify(sources)]);
  return crypto.createHash('sha256').update(fs.readFileSync(out)).digest('hex');
}

/** The official layout from a LibTorch whose libraries lie in `libDir` (a wheel's torch/lib). */
export function archiveFromWheel(out: string, version: string, libDir: string): string {
  const torch = path.dirname(libDir);
  const sources: Record<string, string> = {
    [path.join(torch, 'include')]: 'libtorch/include',
    [path.join(torch, 'share', 'cmake')]: 'libtorch/share/cmake',
  };
  for (const f of fs.readdirSync(libDir)) {
    // LibTorch's own libraries and what they bundle (libgomp), not the Python bindings or test libraries
    if (/^lib(c10|torch|torch_cpu|torch_global_deps|shm|gomp)\b.*\.so/.test(f) && !/python/.test(f))
      sources[path.join(libDir, f)] = `libtorch/lib/${f}`;
  }
  return zipArchive(out, version, sources);
}

/** A tiny stand-in with the files that make a folder a LibTorch (for the cache's mechanics, not for loading). */
export function tinyArchive(out: string, work: string, extraFiles = 0): string {
  const tree = path.join(work, 'tiny');
  fs.mkdirSync(path.join(tree, 'lib'), { recursive: true });
  fs.mkdirSync(path.join(tree, 'share', 'cmake', 'Torch'), { recursive: true });
  fs.mkdirSync(path.join(tree, 'include', 'torch'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'include', 'torch', 'torch.h'), '// stand-in\n');
  for (const f of ['libc10.so', 'libtorch_cpu.so', 'libtorch.so']) fs.writeFileSync(path.join(tree, 'lib', f), `not a library: ${f}\n`);
  fs.writeFileSync(path.join(tree, 'share', 'cmake', 'Torch', 'TorchConfig.cmake'), '# stand-in\n');
  if (extraFiles) {
    for (let i = 0; i < extraFiles; i++) fs.writeFileSync(path.join(tree, 'include', `h${i}.h`), `// ${i}\n`.repeat(64));
  }
  return zipArchive(out, '2.13.0', { [tree]: 'libtorch' });
}

/** How the server answers: serve the files, cut each body in half, or answer 404. */
export type ServerMode = 'serve' | 'cut' | 'missing';

export interface ArchiveServer {
  url: string;
  requests: string[];
  mode: ServerMode;
  close(): Promise<void>;
}

/** Serves `dir` on 127.0.0.1 at a free port: GET /<path> returns dir/<path>. */
export async function serveArchives(dir: string): Promise<ArchiveServer> {
  const state: ArchiveServer = { url: '', requests: [], mode: 'serve', close: async () => {} };
  const server = http.createServer((req, res) => {
    state.requests.push(req.url ?? '');
    const file = path.join(dir, decodeURIComponent((req.url ?? '/').split('?')[0]));
    if (state.mode === 'missing' || !file.startsWith(dir) || !fs.existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    const size = fs.statSync(file).size;
    res.writeHead(200, { 'content-length': size, 'content-type': 'application/zip' });
    if (state.mode === 'cut') {
      fs.createReadStream(file, { start: 0, end: Math.floor(size / 2) })
        .on('end', () => res.destroy())
        .pipe(res, { end: false });
      return;
    }
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}

/**
 * Runs a command without blocking this process, which serves the archive (spawnSync would stall the
 * server): its status, stderr, and stdout and stderr interleaved as printed.
 */
export function runAsync(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ status: number | null; stderr: string; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: process.env, ...options, stdio: ['ignore', 'pipe', 'pipe'], timeout: CHILD_TIMEOUT_MS });
    let [stderr, out] = ['', ''];
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => ((stderr += d), (out += d)));
    child.on('close', (status) => resolve({ status, stderr, out }));
  });
}
