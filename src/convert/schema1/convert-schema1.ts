import { Readable } from 'node:stream';
import { FerryError } from '../../errors.js';
import { readBlobBytes } from '../../graph/read-document.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { digestOf, shortDigest } from '../../oci/digest.js';
import { parseDocument, serializeDocument } from '../../oci/document.js';
import { isSchema1, layerMediaType, MediaType } from '../../oci/mediatypes.js';
import { Schema1ManifestSchema } from '../../oci/schemas.js';
import type { BlobSink, ContentSource } from '../../oci/transport.js';
import { transcodeLayer } from '../layer-transcode.js';
import type { ImageFormat } from '../media-types.js';
import { type Schema1Signature, stripJws } from './jws.js';
import { configFromV1, isThrowaway, type V1Compatibility } from './v1-config.js';

/** Annotation on the converted manifest (and its descriptor): the digest of the schema1 manifest it came from. */
export const SCHEMA1_SOURCE_ANNOTATION = 'io.github.ferry.schema1.digest';

/** The gzip of an empty tar (1024 zero bytes), which schema1 images used for every metadata-only step. */
export const EMPTY_GZIP_LAYER = 'sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4';

/** Schema1 manifests carry no blob sizes: the source must be able to say how big a blob is. */
export interface Schema1Source extends ContentSource {
  stat(digest: string): Promise<{ size: number } | undefined>;
}

export interface Schema1Conversion {
  /** The new manifest, annotated with the schema1 digest. */
  manifest: Descriptor;
  config: Descriptor;
  signature: Schema1Signature;
  /** Digests of schema1 layers dropped as empty (throwaway, size 0, or only zero bytes). */
  emptyLayers: string[];
}

/**
 * Converts a Docker schema1 manifest (signed or not) into a schema2 or OCI image (default OCI): strips and
 * checks the JWS, reads every layer that is not known to be empty to compute its diffID, and builds the config
 * from the top v1Compatibility with history (oldest first) and rootfs replaced. Layer blobs are reused as they
 * are; only the new config and manifest are written to `sink`.
 */
export async function convertSchema1(source: Schema1Source, sink: BlobSink, manifestDesc: Descriptor, opts: { format?: ImageFormat } = {}): Promise<Schema1Conversion> {
  if (!isSchema1(manifestDesc.mediaType)) {
    throw new FerryError('ERR_UNSUPPORTED_MEDIA_TYPE', `${manifestDesc.digest} is ${manifestDesc.mediaType}, not a schema1 manifest`, { digest: manifestDesc.digest });
  }
  const where = `schema1 manifest ${manifestDesc.digest}`;
  const raw = await readBlobBytes(source, manifestDesc);
  parseDocument(Schema1ManifestSchema, raw, where);
  const { payload, signature } = stripJws(raw, where);
  const manifest = parseDocument(Schema1ManifestSchema, payload, where).value;
  if (manifest.fsLayers.length !== manifest.history.length || manifest.history.length === 0) {
    throw new FerryError('ERR_INVALID_DOCUMENT', `${where} has ${manifest.fsLayers.length} fsLayers but ${manifest.history.length} history entries`, {
      digest: manifestDesc.digest,
      hint: 'the schema1 manifest is corrupt; fetch it again',
    });
  }
  const v1 = manifest.history.map((h, i) => parseV1(h.v1Compatibility, `${where} history[${i}]`));
  const sizes = await locateLayers(source, manifest.fsLayers.map((l) => l.blobSum), v1, manifestDesc.digest);

  // fsLayers and history run from the top layer down; the image's order is the reverse.
  const format = opts.format ?? 'oci';
  const layers: Descriptor[] = [];
  const diffIDs: string[] = [];
  const empty: boolean[] = [];
  const emptyLayers: string[] = [];
  for (let i = manifest.fsLayers.length - 1; i >= 0; i--) {
    const digest = manifest.fsLayers[i]!.blobSum;
    const size = sizes[i];
    if (size === undefined) {
      empty.push(true);
      emptyLayers.push(digest);
      continue;
    }
    const facts = await transcodeLayer(source, { mediaType: MediaType.dockerLayerGzip, digest, size });
    empty.push(facts.allZero);
    if (facts.allZero) {
      emptyLayers.push(digest);
      continue;
    }
    layers.push({ mediaType: layerMediaType(format, facts.compression), digest, size });
    diffIDs.push(facts.diffID);
  }

  const configBytes = serializeDocument(configFromV1(v1, empty, diffIDs, manifest.architecture));
  const config: Descriptor = { mediaType: format === 'oci' ? MediaType.ociConfig : MediaType.dockerConfig, digest: digestOf(configBytes), size: configBytes.length };
  await sink.write(config, Readable.from([configBytes]));
  const annotations = { [SCHEMA1_SOURCE_ANNOTATION]: manifestDesc.digest };
  const mediaType = format === 'oci' ? MediaType.ociManifest : MediaType.dockerManifest;
  // Docker schema2 has no annotations: the label then lives only on the descriptor (the store's index.json entry).
  const manifestBytes = serializeDocument({ schemaVersion: 2, mediaType, config, layers, ...(format === 'oci' ? { annotations } : {}) });
  const newManifest: Descriptor = { mediaType, digest: digestOf(manifestBytes), size: manifestBytes.length };
  await sink.write(newManifest, Readable.from([manifestBytes]));
  return { manifest: { ...newManifest, annotations }, config, signature, emptyLayers };
}

function parseV1(text: string, where: string): V1Compatibility {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as V1Compatibility;
  } catch {
    // reported below
  }
  throw new FerryError('ERR_INVALID_DOCUMENT', `${where}: v1Compatibility is not a JSON object`, { path: where, hint: 'the schema1 manifest is corrupt; fetch it again' });
}

/**
 * The size of every layer blob to read, or undefined for layers known to be empty without reading them.
 * Fails, before any work, with every missing blob named.
 */
async function locateLayers(source: Schema1Source, blobSums: string[], v1: V1Compatibility[], manifest: string): Promise<(number | undefined)[]> {
  const sizes = await Promise.all(blobSums.map(async (digest, i) => (isThrowaway(v1[i]!) ? undefined : ((await source.stat(digest))?.size ?? null))));
  const missing = [...new Set(blobSums.filter((digest, i) => sizes[i] === null && digest !== EMPTY_GZIP_LAYER))];
  if (missing.length > 0) {
    throw new FerryError('ERR_BLOB_MISSING', `schema1 image ${shortDigest(manifest)} cannot be converted: ${missing.length} layer blob(s) missing (${missing.map(shortDigest).join(', ')})`, {
      digest: missing[0]!,
      hint: 'diffIDs can only be computed from the layers themselves; pull or import the image again with all its layers',
    });
  }
  // A missing well-known empty layer is as good as read.
  return sizes.map((s) => (s === null ? undefined : s));
}
