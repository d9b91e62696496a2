/**
 * Downloads for users with internet access: fetched into a temporary file, checked against a
 * SHA-256, then renamed into place, so the cache never holds a partial or wrong file.
 */
import * as crypto from 'crypto';
import * as path from 'path';
import { TorchError } from '../errors';
import { makeFolder, writeFileAtomic } from '../util/atomic';
import { mnistMirrorFromEnv } from '../config';

/** Mirrors tried in order; NODETORCH_MNIST_MIRROR (a base URL) comes first when set. */
export function mnistMirrors(): string[] {
  const mirrors = ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'https://storage.googleapis.com/cvdf-datasets/mnist/'];
  const mirror = mnistMirrorFromEnv();
  return mirror ? [mirror.replace(/\/?$/, '/'), ...mirrors] : mirrors;
}

export async function downloadVerified(name: string, target: string, sha256: string): Promise<void> {
  makeFolder(path.dirname(target));
  const errors: string[] = [];
  for (const base of mnistMirrors()) {
    const url = base + name;
    try {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = Buffer.from(await response.arrayBuffer());
      const digest = crypto.createHash('sha256').update(body).digest('hex');
      if (digest !== sha256) throw new Error(`checksum mismatch (sha256 ${digest}, expected ${sha256})`);
      writeFileAtomic(target, body);
      return;
    } catch (e) {
      errors.push(`${url}: ${(e as Error).message}`);
    }
  }
  throw new TorchError(
    `Could not download ${name}:\n  ${errors.join('\n  ')}\nSet MNIST_DIR to a folder holding the MNIST IDX files, or pass { dir }.`,
    { code: 'IO' },
  );
}
