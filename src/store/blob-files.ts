import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isDigest } from '../oci/digest.js';

/**
 * The entries under a blobs directory (`<alg>/<hex>`) whose names form a digest, in sorted order. Other names
 * (other tools' leftovers) are not blobs and are skipped; an entry may still be something other than a file,
 * which callers check when it matters.
 */
export async function* blobFiles(blobsDir: string): AsyncGenerator<{ digest: string; path: string }> {
  for (const algorithm of await listDir(blobsDir)) {
    for (const hex of await listDir(join(blobsDir, algorithm))) {
      const digest = `${algorithm}:${hex}`;
      if (isDigest(digest)) yield { digest, path: join(blobsDir, algorithm, hex) };
    }
  }
}

/** Names in `dir`, sorted; none when it does not exist or is not a directory. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
}
