import { createHash } from 'node:crypto';
import type { Descriptor } from '../../src/oci/descriptor.js';
import type { BuiltImage, BuiltManifest } from './image-builder.js';
import { type TarEntry, tarBytes } from './tar.js';

/**
 * Archive layouts as peer tools write them, built from BuiltImages, so readers can be tested against every
 * shape without the tools themselves (the interop tests use the real tools).
 */
export interface OciLayoutOptions {
  /** Images to put in index.json: name annotations per image. */
  images: { image: BuiltImage; containerdName?: string; refName?: string; top?: Descriptor }[];
  /** Blobs to leave out (partial archives). */
  omit?: Set<string>;
  /** docker-save style manifest.json entries to add (Docker 25+ / containerd export). */
  dockerManifest?: { config: string; repoTags: string[] | null; layers: string[] }[];
  /** Write index.json after the blobs, as a streaming writer might. */
  indexLast?: boolean;
  /** Replace index.json's manifests by null (early Docker 25.0). */
  nullManifests?: boolean;
}

export async function ociLayoutTar(opts: OciLayoutOptions): Promise<Buffer> {
  const blobs = new Map<string, Buffer>();
  for (const { image } of opts.images) for (const [d, b] of image.content.blobs) blobs.set(d, b);
  const manifests = opts.images.map(({ image, containerdName, refName, top }) => {
    const annotations: Record<string, string> = {};
    if (containerdName) annotations['io.containerd.image.name'] = containerdName;
    if (refName) annotations['org.opencontainers.image.ref.name'] = refName;
    return { ...(top ?? image.index.desc), ...(Object.keys(annotations).length ? { annotations } : {}) };
  });
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: opts.nullManifests ? null : manifests };
  const meta: TarEntry[] = [
    { name: 'oci-layout', data: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
    { name: 'index.json', data: JSON.stringify(index) },
  ];
  if (opts.dockerManifest) {
    const entries = opts.dockerManifest.map((e) => ({ Config: e.config, RepoTags: e.repoTags, Layers: e.layers }));
    meta.push({ name: 'manifest.json', data: JSON.stringify(entries) });
  }
  const blobEntries: TarEntry[] = [{ name: 'blobs/', type: 'directory' }, { name: 'blobs/sha256/', type: 'directory' }];
  for (const [digest, bytes] of [...blobs].sort(([a], [b]) => a.localeCompare(b))) {
    if (opts.omit?.has(digest)) continue;
    blobEntries.push({ name: `blobs/sha256/${digest.slice(7)}`, data: bytes });
  }
  return tarBytes(opts.indexLast ? [...blobEntries, ...meta] : [...meta, ...blobEntries]);
}

/** docker-save manifest.json entry for one platform of an image, pointing into an OCI layout (Docker 25+). */
export function dockerSaveEntryFor(manifest: BuiltManifest, repoTags: string[] | null) {
  return {
    config: `blobs/sha256/${manifest.config.desc.digest.slice(7)}`,
    repoTags,
    layers: manifest.layers.map((l) => `blobs/sha256/${l.desc.digest.slice(7)}`),
  };
}

export interface LegacySaveOptions {
  repoTags: string[] | null;
  /** `docker`: <v1id>/layer.tar files; `skopeo`: <digest>.tar at the root and <v1id>/layer.tar symlinks. */
  style?: 'docker' | 'skopeo';
  /** Put manifest.json first instead of last. */
  manifestFirst?: boolean;
}

/** A legacy (Docker ≤ 24) docker-save archive of one platform: layers uncompressed, v1 ids, repositories. */
export async function legacyDockerSaveTar(manifest: BuiltManifest, opts: LegacySaveOptions): Promise<Buffer> {
  const entries: TarEntry[] = [];
  const layerPaths: string[] = [];
  let parent = '';
  for (const layer of manifest.layers) {
    const tar = await tarBytes(layer.entries);
    const v1id = createHash('sha256').update(`${parent} ${layer.diffID}`).digest('hex');
    entries.push({ name: `${v1id}/`, type: 'directory' });
    entries.push({ name: `${v1id}/VERSION`, data: '1.0' });
    entries.push({ name: `${v1id}/json`, data: JSON.stringify({ id: v1id, ...(parent ? { parent } : {}) }) });
    if (opts.style === 'skopeo') {
      const rootName = `${layer.diffID.slice(7)}.tar`;
      if (!entries.some((e) => e.name === rootName)) entries.unshift({ name: rootName, data: tar });
      entries.push({ name: `${v1id}/layer.tar`, type: 'symlink', linkname: `../${rootName}` });
    } else {
      entries.push({ name: `${v1id}/layer.tar`, data: tar });
    }
    layerPaths.push(`${v1id}/layer.tar`);
    parent = v1id;
  }
  const configName = `${manifest.config.desc.digest.slice(7)}.json`;
  entries.unshift({ name: configName, data: manifest.config.bytes });
  const manifestJson: TarEntry = {
    name: 'manifest.json',
    data: JSON.stringify([{ Config: configName, RepoTags: opts.repoTags, Layers: layerPaths }]),
  };
  const repositories: TarEntry[] = [];
  for (const tag of opts.repoTags ?? []) {
    const colon = tag.lastIndexOf(':');
    repositories.push({ name: 'repositories', data: JSON.stringify({ [tag.slice(0, colon)]: { [tag.slice(colon + 1)]: parent } }) });
  }
  return tarBytes(opts.manifestFirst ? [manifestJson, ...entries, ...repositories.slice(0, 1)] : [...entries, manifestJson, ...repositories.slice(0, 1)]);
}

