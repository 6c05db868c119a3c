import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Platform } from '../../src/oci/descriptor.js';
import { exportImages, type ExportOptions } from '../../src/ops/export-archive.js';
import { importArchive } from '../../src/ops/import-archive.js';
import { mergeArchives, type MergeOptions, type MergeResult } from '../../src/ops/merge-archives.js';
import { withScratchStore } from '../../src/ops/ends/scratch-store.js';
import { Store } from '../../src/store/index.js';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { type BuildOptions, type BuiltImage, buildImage, platformLabel } from '../helpers/image-builder.js';

export const AMD64 = { os: 'linux', architecture: 'amd64' };
export const ARM64 = { os: 'linux', architecture: 'arm64' };

/**
 * What a per-architecture CI job produces: a single-platform image built, imported into that job's own store and
 * exported from it (the archive's top descriptor is then the manifest, its platform only in the config). Done in
 * process: spawning the CLI for fixtures would make the tests slow.
 */
export async function perArchArchive(dir: string, name: string, platform: Platform, opts: BuildOptions = {}): Promise<{ path: string; image: BuiltImage; store: Store }> {
  const image = await buildImage({ ...opts, platforms: [platform] });
  const label = `${platformLabel(platform).replaceAll('/', '-')}-${opts.seed ?? 'ferry'}-${opts.padding ?? 0}`;
  const built = join(dir, `built-${label}.tar`);
  const { platform: _p, ...top } = image.manifests[0]!.desc;
  writeFileSync(built, await ociLayoutTar({ images: [{ image, containerdName: name, top }] }));
  const store = await Store.open(join(dir, `store-${label}`));
  await importArchive(store, built, { allPlatforms: true, unpack: false });
  const path = join(dir, `${label}.tar`);
  await exportTo(store, [name], path, { allPlatforms: true });
  return { path, image, store };
}

export async function exportTo(store: Store, names: string[], path: string, opts: ExportOptions): Promise<void> {
  const out = createWriteStream(path);
  await exportImages(store, names, out, opts);
  await new Promise<void>((resolve) => (out.writableFinished ? resolve() : out.once('close', () => resolve())));
}

export async function mergeTo(path: string, inputs: string[], opts: MergeOptions = {}): Promise<MergeResult> {
  return withScratchStore(path, async (scratch) => {
    const out = createWriteStream(path);
    const result = await mergeArchives(inputs, out, scratch, opts);
    await new Promise<void>((resolve) => (out.writableFinished ? resolve() : out.once('close', () => resolve())));
    return result;
  });
}
