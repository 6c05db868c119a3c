/**
 * What an export writes, as computed by the graph walk, and the checks and ordering the writer applies to it
 * before a single byte goes out: a plan that cannot produce a valid archive fails here, not half-way through.
 */
import { FerryError } from '../../errors.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { parseDigest } from '../../oci/digest.js';
import { isImageLayer } from '../../oci/mediatypes.js';

export interface ExportImage {
  /** Full normalized name, e.g. `docker.io/library/alpine:3.19`. */
  name: string;
  /** The image's top descriptor (index or manifest) as it becomes an index.json entry. */
  target: Descriptor;
}

/** One docker-save `manifest.json` entry: a single-platform image `docker load` can read. */
export interface DockerSaveImage {
  config: Descriptor;
  layers: Descriptor[];
  /** Familiar names, e.g. `alpine:3.19`. */
  repoTags: string[];
}

export interface ExportPlan {
  /** Images named in index.json. */
  images: ExportImage[];
  /** Every blob to write; duplicates (by digest) are written once. */
  blobs: Descriptor[];
  /** Entries of manifest.json; absent (or empty) means no manifest.json is written. */
  dockerManifest?: DockerSaveImage[];
}

/** The blobs of a plan, once each, in the order they are written. */
export interface OrderedBlob {
  desc: Descriptor;
  /** `blobs/<alg>/<hex>`. */
  path: string;
}

/** The archive path of a blob, relative to the archive root. */
export function blobPath(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `blobs/${algorithm}/${hex}`;
}

/**
 * Deduplicates the plan's blobs and orders them: metadata (indexes, manifests, configs, any other blob that is
 * not an image layer) first, then layers, each group sorted by digest. A blob listed once as a layer and once as
 * something else counts as metadata, so the order does not depend on the order of the plan.
 */
export function orderBlobs(plan: ExportPlan): OrderedBlob[] {
  const byDigest = new Map<string, { desc: Descriptor; layer: boolean }>();
  for (const desc of plan.blobs) {
    const path = blobPath(desc.digest);
    const seen = byDigest.get(desc.digest);
    if (!seen) {
      byDigest.set(desc.digest, { desc, layer: isImageLayer(desc.mediaType) });
      continue;
    }
    if (seen.desc.size !== desc.size) {
      throw new FerryError('ERR_CONFLICT', `export plan lists blob ${desc.digest} with sizes ${seen.desc.size} and ${desc.size}`, {
        digest: desc.digest,
        path,
        hint: 'a manifest in the image declares a wrong size; re-fetch the image from its source',
      });
    }
    seen.layer &&= isImageLayer(desc.mediaType);
  }
  const all = [...byDigest.values()];
  const sorted = (layer: boolean) =>
    all
      .filter((b) => b.layer === layer)
      .map((b) => ({ desc: b.desc, path: blobPath(b.desc.digest) }))
      .sort((a, b) => compareStrings(a.desc.digest, b.desc.digest));
  return [...sorted(false), ...sorted(true)];
}

/**
 * Every descriptor index.json or manifest.json points at must be written, or the archive would name content it
 * does not hold. Which blobs to leave out of a partial export is the caller's decision; this only catches a plan
 * that contradicts itself.
 */
export function checkPlanReferences(plan: ExportPlan): void {
  const planned = new Set(plan.blobs.map((b) => b.digest));
  const names = new Map<string, string>();
  for (const image of plan.images) {
    const other = names.get(image.name);
    if (other !== undefined && other !== image.target.digest) {
      throw new FerryError('ERR_CONFLICT', `export plan names two images ${image.name}: ${other} and ${image.target.digest}`, {
        digest: image.target.digest,
        hint: 'give each exported image its own name',
      });
    }
    names.set(image.name, image.target.digest);
    requirePlanned(planned, image.target, `index.json entry ${image.name}`);
  }
  for (const entry of plan.dockerManifest ?? []) {
    const what = `manifest.json entry ${entry.repoTags.join(', ') || entry.config.digest}`;
    for (const desc of [entry.config, ...entry.layers]) requirePlanned(planned, desc, what);
  }
}

function requirePlanned(planned: Set<string>, desc: Descriptor, what: string): void {
  if (planned.has(desc.digest)) return;
  throw new FerryError('ERR_INCOMPLETE', `${what} refers to blob ${desc.digest}, which the export does not include`, {
    digest: desc.digest,
    hint: 'the export plan contradicts itself, which is a bug in ferry; please report it with the command you ran',
  });
}

/** Code-unit order, independent of the locale, so output is the same on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
