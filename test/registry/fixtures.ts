import { join } from 'node:path';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { Store } from '../../src/store/index.js';
import { type BuildOptions, buildImage, type BuiltImage } from '../helpers/image-builder.js';
import type { MemoryContent } from '../helpers/memory-content.js';
import { tempDir, type TempDir } from '../helpers/temp-dir.js';
import { startRegistry, type RunningRegistry } from './registry-server.js';

export interface RegistryWithImage {
  registry: RunningRegistry;
  tmp: TempDir;
  /** A store at `<tmp>/store` holding `image`. */
  store: Store;
  image: BuiltImage;
}

/**
 * Starts a registry and fills a store in a new temp dir with an image built from `build`, named `name`; what was
 * started is stopped again when a later step fails. Undo with stopRegistryWithImage.
 */
export async function startRegistryWithImage(prefix: string, build: BuildOptions, name: string): Promise<RegistryWithImage> {
  const registry = await startRegistry();
  let tmp: TempDir | undefined;
  try {
    tmp = await tempDir(prefix);
    const store = await Store.open(join(tmp.dir, 'store'));
    const image = await buildImage(build);
    await storeImage(store, image.content, name, image.index.desc);
    return { registry, tmp, store, image };
  } catch (err) {
    await stopRegistryWithImage({ registry, ...(tmp ? { tmp } : {}) });
    throw err;
  }
}

/** Stops the registry and removes the temp dir; either may be missing (a setup that failed). */
export async function stopRegistryWithImage(env: Partial<Pick<RegistryWithImage, 'registry' | 'tmp'>>): Promise<void> {
  await env.registry?.stop();
  await env.tmp?.cleanup();
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
