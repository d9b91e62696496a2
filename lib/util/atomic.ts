/**
 * Files the library writes (models, checkpoints, logs, plots) go through a temporary file in the
 * same folder and a rename, atomic on POSIX: a crash leaves the old file or the new one, never half
 * of one. A process killed between the two leaves its temporary file behind; removeStaleTemps()
 * clears those of processes that are gone.
 */
import * as fs from 'fs';
import * as path from 'path';
import { TorchError } from '../errors';

const TEMP_SUFFIX = /\.tmp-(\d+)$/;

/** Writes `data` to `file` atomically; filesystem failures are TorchErrors naming the file. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw fileError('write', file, e);
  }
}

/**
 * Creates a folder (and its parents) for files about to be written, one level at a time from the
 * nearest folder that exists. Not `mkdirSync(..., { recursive: true })`: on a filesystem that
 * refuses every mkdir with an unexpected code (/proc, /sys), Node's recursive form retries forever
 * and blocks the event loop.
 */
export function makeFolder(folder: string): void {
  const missing: string[] = [];
  let current = path.resolve(folder);
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(current, { throwIfNoEntry: false });
    } catch (e) {
      throw fileError('create the folder', folder, e);
    }
    if (stat) {
      if (!stat.isDirectory()) {
        throw fileError('create the folder', folder, Object.assign(new Error(`'${current}' is not a folder`), { code: 'ENOTDIR' }));
      }
      break;
    }
    missing.push(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const level of missing.reverse()) {
    try {
      fs.mkdirSync(level);
    } catch (e) {
      // a dangling link in the way is EEXIST for mkdir but missing for stat: a TorchError either way
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && fs.statSync(level, { throwIfNoEntry: false })?.isDirectory()) continue; // made meanwhile
      throw fileError('create the folder', folder, e);
    }
  }
}

/**
 * Removes the temporary files that writeFileAtomic left in `folder` when its process was killed
 * (their process id no longer runs). Returns the names removed.
 */
export function removeStaleTemps(folder: string): string[] {
  if (!fs.existsSync(folder)) return [];
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch (e) {
    throw fileError('read the folder', folder, e);
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = TEMP_SUFFIX.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || isRunning(Number(pid))) continue;
    fs.rmSync(path.join(folder, name), { force: true });
    removed.push(name);
  }
  return removed;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** A filesystem failure as a TorchError (code IO) that names the file and the system's code (ENOENT…); the system's error is its cause. */
export function fileError(action: string, file: string, cause: unknown): TorchError {
  const e = cause as NodeJS.ErrnoException;
  return new TorchError(`cannot ${action} '${file}': ${e.code ? `${e.code} (${e.message.replace(/^[A-Z]+: /, '')})` : e.message}`, {
    code: 'IO',
    cause,
  });
}

/**
 * Refuses a path that exists but is not a regular file: readFileSync would read a device such as
 * /dev/zero or a pipe forever (blocking the event loop), or fail obscurely on a directory. A path
 * that does not exist is left to the caller's read, which names that.
 */
export function checkRegularFile(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return;
  }
  if (!stat.isFile())
    throw new TorchError(`cannot read '${file}': it is ${stat.isDirectory() ? 'a directory' : 'not a regular file (a device or a pipe)'}`, {
      code: 'IO',
    });
}

/** Refuses, before any work, a file name that writeFileAtomic could not write: its folder missing, or a folder itself. */
export function checkWritableFile(file: string, what: string): void {
  const folder = path.dirname(path.resolve(file));
  if (!isFolder(folder)) throw new TorchError(`${what}: cannot write '${file}': no folder '${folder}'`, { code: 'IO' });
  if (isFolder(file)) throw new TorchError(`${what}: cannot write '${file}': it is a folder`, { code: 'IO' });
}

function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
