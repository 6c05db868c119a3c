import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { packArtifact, type PackFile } from '../artifact/pack.js';
import { FerryError } from '../errors.js';
import { Annotation } from '../oci/descriptor.js';
import { normalizeName } from '../oci/reference.js';
import type { Store } from '../store/index.js';
import { lookupStoreDocument } from './ends/store-documents.js';

export interface PackArtifactOptions {
  artifactType?: string;
  /** `--media-type`: for files that do not name their own (`FILE:TYPE`). */
  mediaType?: string;
  /** `--annotation k=v`, repeatable. */
  annotations?: string[];
  /** `--subject IMAGE`: an image name, `NAME@sha256:…` (one manifest of it) or a bare digest in the store. */
  subject?: string;
}

export interface PackArtifactResult {
  name: string;
  digest: string;
  mediaType: string;
  size: number;
  artifactType: string;
  layers: { title: string; digest: string; size: number; mediaType: string }[];
  subject?: string;
}

/**
 * `ferry artifact pack NAME FILE…`: files into the store as one OCI 1.1 artifact named NAME. Everything is staged
 * and committed with the record in one step, so gc never sees the blobs unnamed and a failure leaves no trace.
 */
export async function packArtifactIntoStore(store: Store, name: string, files: string[], opts: PackArtifactOptions): Promise<PackArtifactResult> {
  const fullName = normalizeName(name);
  const annotations = parseAnnotations(opts.annotations ?? []);
  const subject = opts.subject === undefined ? undefined : (await lookupStoreDocument(store, opts.subject)).desc;
  const packFiles = await Promise.all(files.map(parseFileArgument));
  const staging = await store.stage();
  try {
    const packed = await packArtifact(staging, packFiles, {
      ...(opts.artifactType ? { artifactType: opts.artifactType } : {}),
      ...(opts.mediaType ? { mediaType: opts.mediaType } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ...(subject ? { subject } : {}),
    });
    await staging.write(packed.desc, Readable.from([packed.bytes]));
    await staging.commit({ keep: [packed.desc.digest, ...packed.blobs.map((b) => b.digest)], records: [{ name: fullName, target: packed.desc }] });
    return {
      name: fullName,
      digest: packed.desc.digest,
      mediaType: packed.desc.mediaType,
      size: packed.desc.size,
      artifactType: packed.desc.artifactType!,
      layers: packed.blobs.slice(1).map((l) => ({ title: l.annotations?.[Annotation.title] ?? '', digest: l.digest, size: l.size, mediaType: l.mediaType })),
      ...(subject ? { subject: subject.digest } : {}),
    };
  } catch (err) {
    await staging.abort();
    throw err;
  }
}

/**
 * `FILE` or `FILE:MEDIATYPE` (oras' syntax). A path that exists as given is a path, colon or not; otherwise the
 * part after the last colon is the media type when it looks like one (`type/subtype`).
 */
export async function parseFileArgument(arg: string): Promise<PackFile> {
  const colon = arg.lastIndexOf(':');
  if (colon <= 0 || (await exists(arg))) return { path: arg };
  const mediaType = arg.slice(colon + 1);
  if (!/^[A-Za-z0-9][\w.+-]*\/[\w.+-]+$/.test(mediaType)) return { path: arg };
  return { path: arg.slice(0, colon), mediaType };
}

export function parseAnnotations(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new FerryError('ERR_USAGE', `annotation ${JSON.stringify(pair)} is not KEY=VALUE`, { hint: 'write --annotation org.opencontainers.image.description=text' });
    }
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
