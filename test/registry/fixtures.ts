import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { Store } from '../../src/store/index.js';
import type { MemoryContent } from '../helpers/memory-content.js';

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Puts every blob of `content` into the store and names `target`. */
export async function storeImage(store: Store, content: MemoryContent, name: string, target: Descriptor, omit: Set<string> = new Set()): Promise<void> {
  const staging = await store.stage();
  const keep: string[] = [];
  for (const [digest, bytes] of content.blobs) {
    if (omit.has(digest)) continue;
    await staging.write({ digest, size: bytes.length }, await content.fetch({ digest, size: bytes.length, mediaType: 'x' }));
    keep.push(digest);
  }
  await staging.commit({ keep, records: [{ name, target }] });
}

/** Every blob digest the store holds for an image, by reading its blobs directory. */
export async function storeHas(store: Store, digests: Iterable<string>): Promise<string[]> {
  const missing: string[] = [];
  for (const digest of digests) if (!(await store.stat(digest))) missing.push(digest);
  return missing;
}
