/**
 * Delta archives for air gaps: `ferry export --exclude-blobs-from BASE` leaves out the blobs the far side already
 * holds, keeping every document (indexes, manifests, configs) so the graph can always be walked. Each index.json
 * entry of such an archive carries the annotation `dev.ferry.delta: "true"`: readers learn the archive is
 * partial on purpose, and `ferry import` then demands that the store complete it (or names what is missing).
 */
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { readArchive } from '../../archive/read/index.js';
import { FerryError } from '../../errors.js';
import type { ResolvedImage } from '../../graph/resolve.js';
import { isComplete } from '../../graph/resolve.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { isDigest } from '../../oci/digest.js';
import { isImageConfig, isIndex, isManifest } from '../../oci/mediatypes.js';
import { formatPlatform } from '../../platform/index.js';
import { MetadataSink } from '../ends/metadata-sink.js';
import { openInput, readOptionsOf } from '../ends/open-input.js';

export const DELTA_ANNOTATION = 'dev.ferry.delta';

export function isDelta(target: Descriptor): boolean {
  return target.annotations?.[DELTA_ANNOTATION] === 'true';
}

export function markDelta(target: Descriptor): Descriptor {
  return { ...target, annotations: { ...target.annotations, [DELTA_ANNOTATION]: 'true' } };
}

/** The mark describes one archive, not the image: it must not follow the image into a store or a later export. */
export function withoutDeltaMark(target: Descriptor): Descriptor {
  if (!target.annotations || !(DELTA_ANNOTATION in target.annotations)) return target;
  const { [DELTA_ANNOTATION]: _mark, ...annotations } = target.annotations;
  const { annotations: _all, ...rest } = target;
  return Object.keys(annotations).length > 0 ? { ...rest, annotations } : rest;
}

/** Documents are always written to a delta: they are small, and without them nothing can be resolved. */
export function alwaysShipped(desc: Descriptor): boolean {
  return isIndex(desc.mediaType) || isManifest(desc.mediaType) || isImageConfig(desc.mediaType);
}

/**
 * The blobs the far side holds: a list of digests, one a line (what `ferry inventory` writes; blank lines and
 * `#` comments are skipped), or an archive it imported (every blob in it, verified while read). A file with no
 * NUL byte in its first 512 bytes is a list: every tar header has NULs there, and so does gzip and zstd.
 */
export async function readExcludedBlobs(path: string): Promise<Set<string>> {
  if (path !== '-' && (await looksLikeList(path))) return readDigestList(path);
  const input = await openInput(path);
  const contents = await readArchive(input.stream, new MetadataSink(), readOptionsOf(input));
  return new Set(contents.blobs.keys());
}

async function looksLikeList(path: string): Promise<boolean> {
  const input = await openInput(path);
  input.stream.destroy();
  if (input.kind !== 'file') return false;
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(512), 0, 512, 0);
    return !buffer.subarray(0, bytesRead).includes(0);
  } finally {
    await handle.close();
  }
}

async function readDigestList(path: string): Promise<Set<string>> {
  const input = await openInput(path);
  const digests = new Set<string>();
  let line = 0;
  for await (const raw of createInterface({ input: input.stream, crlfDelay: Infinity })) {
    line++;
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) continue;
    if (!isDigest(text)) {
      input.stream.destroy();
      throw new FerryError('ERR_INVALID_DIGEST', `${path}:${line}: ${JSON.stringify(text.slice(0, 80))} is not a digest`, {
        path: `${path}:${line}`,
        hint: "give a file of digests one a line (as 'ferry inventory' writes), or the base archive itself",
      });
    }
    digests.add(text);
  }
  return digests;
}

/**
 * A delta is only an image together with what the store already holds: every selected platform must be complete
 * now, or the import fails naming the missing blobs (nothing is committed).
 */
export function requireDeltaBase(resolved: ResolvedImage, label: string, where: string): void {
  const missing = [...new Set(resolved.selected.filter((s) => !isComplete(s)).flatMap((s) => s.missing.map((m) => m.digest)))];
  if (missing.length === 0) return;
  const platforms = resolved.selected.filter((s) => !isComplete(s)).map((s) => (s.platform ? formatPlatform(s.platform) : s.manifest.digest));
  const shown = missing.slice(0, 3).join(', ') + (missing.length > 3 ? ` and ${missing.length - 3} more` : '');
  throw new FerryError('ERR_BLOB_MISSING', `${where} is a delta archive and the store lacks blobs it leaves out for ${label} (${platforms.join(', ')}): ${shown}`, {
    path: where,
    digest: missing[0]!,
    hint: 'import the base archive (the one the delta was made against) first, then this delta',
  });
}
