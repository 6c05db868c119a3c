import { readFile } from 'node:fs/promises';
import { FerryError } from '../errors.js';
import { Annotation, type Descriptor } from '../oci/descriptor.js';
import { parseDocument, serializeDocument } from '../oci/document.js';
import { MediaType } from '../oci/mediatypes.js';
import { IndexSchema, type ImageIndex } from '../oci/schemas.js';
import { writeFileAtomic } from './atomic.js';

/**
 * A named image in the store: one entry of index.json's `manifests`. The entry is the descriptor of the image's
 * top manifest or index, annotated with the name twice:
 * - `io.containerd.image.name`: the full normalized name (docker.io/library/alpine:3.19), as containerd writes it;
 * - `org.opencontainers.image.ref.name`: also the full name. containerd's export puts only the tag there, but
 *   skopeo and umoci look an image up by comparing this annotation with the whole reference after `oci:ROOT:`
 *   (skopeo splits `oci:ROOT:REF` at the first colon, so `oci:/store:docker.io/library/alpine:3.19` works), and
 *   two tags of different repositories (alpine:3.19, busybox:3.19) must not share one ref.name in one store.
 *   skopeo (1.9) matches only entries whose mediaType is an OCI manifest or index: an image kept with Docker
 *   media types is in the store and listed, but skopeo cannot address it by name.
 */
export interface ImageRecord {
  name: string;
  /** Descriptor of the top manifest or index (without annotations; those are in `annotations`). */
  target: Descriptor;
  /** The entry's other annotations (e.g. org.opencontainers.image.created). */
  annotations?: Record<string, string>;
}

const NAME_KEYS: ReadonlySet<string> = new Set([Annotation.containerdImageName, Annotation.refName]);

/** The name of an index.json entry: containerd's annotation, else the OCI ref.name other tools write. */
export function entryName(entry: Descriptor): string | undefined {
  return entry.annotations?.[Annotation.containerdImageName] ?? entry.annotations?.[Annotation.refName];
}

export function recordFromEntry(entry: Descriptor): ImageRecord | undefined {
  const name = entryName(entry);
  if (name === undefined) return undefined;
  const { annotations, ...target } = entry;
  const rest = Object.entries(annotations ?? {}).filter(([key]) => !NAME_KEYS.has(key));
  return rest.length > 0 ? { name, target, annotations: Object.fromEntries(rest) } : { name, target };
}

/** The index.json entry of a record, with a fixed key order so the same records give the same bytes. */
export function entryFromRecord(record: ImageRecord): Descriptor {
  checkImageName(record.name);
  const { mediaType, digest, size, annotations: targetAnnotations, ...extra } = record.target;
  const annotations: Record<string, string> = { ...targetAnnotations, ...record.annotations };
  annotations[Annotation.containerdImageName] = record.name;
  annotations[Annotation.refName] = record.name;
  const sorted = Object.fromEntries(Object.entries(annotations).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { mediaType, digest, size, ...extra, annotations: sorted };
}

/** Names are stored as given (callers normalize them); only what no tool could look up is refused. */
export function checkImageName(name: string): void {
  if (name.length === 0 || name.length > 4096 || /[\s\u0000-\u001f\u007f]/.test(name)) {
    throw new FerryError('ERR_INVALID_REFERENCE', `invalid image name ${JSON.stringify(name.slice(0, 160))}`, {
      hint: 'an image name is a reference like docker.io/library/alpine:3.19',
    });
  }
}

/**
 * Replaces the entries named like a record with the record (at the place of the first such entry) and appends
 * records with new names. Entries without a name (written by other tools) are kept as they are.
 */
export function upsertEntries(entries: Descriptor[], records: ImageRecord[]): Descriptor[] {
  const replacements = new Map<string, Descriptor>();
  for (const record of records) replacements.set(record.name, entryFromRecord(record));
  const placed = new Set<string>();
  const result: Descriptor[] = [];
  for (const entry of entries) {
    const name = entryName(entry);
    const replacement = name === undefined ? undefined : replacements.get(name);
    if (name === undefined || replacement === undefined) result.push(entry);
    else if (!placed.has(name)) {
      result.push(replacement);
      placed.add(name);
    }
  }
  for (const [name, entry] of replacements) if (!placed.has(name)) result.push(entry);
  return result;
}

export function removeEntries(entries: Descriptor[], names: Iterable<string>): { entries: Descriptor[]; removed: string[] } {
  const doomed = new Set(names);
  const removed = new Set<string>();
  const kept = entries.filter((entry) => {
    const name = entryName(entry);
    if (name === undefined || !doomed.has(name)) return true;
    removed.add(name);
    return false;
  });
  return { entries: kept, removed: [...removed] };
}

export async function readIndexFile(path: string): Promise<ImageIndex> {
  return parseDocument(IndexSchema, await readFile(path), path).value;
}

export async function writeIndexFile(path: string, index: ImageIndex, entries: Descriptor[]): Promise<void> {
  const document: Record<string, unknown> = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: entries };
  if (index.annotations) document.annotations = index.annotations;
  await writeFileAtomic(path, serializeDocument(document));
}
