/**
 * Writes an export plan as ONE tar that is at the same time an OCI image layout (oci-layout, index.json,
 * blobs/<alg>/<hex>) and a Docker 25+ style docker-save archive (manifest.json pointing into blobs/), so both
 * `ctr import`/skopeo/ferry and `docker load` read it.
 *
 * Entry order: oci-layout, index.json, manifest.json, the blobs/ directories, then every metadata blob (indexes,
 * manifests, configs, attestation statements: anything that is not an image layer) sorted by digest, then the
 * layers sorted by digest. containerd sorts all entries purely by name, which puts index.json and manifest.json
 * after every blob; ferry deliberately differs so a streaming reader learns what the archive holds, and can parse
 * every manifest and config, before the first (large) layer arrives, and filter layers as they pass.
 *
 * The output is deterministic: fixed headers (see tar-header.ts), fixed JSON key order, sorted lists, and an mtime
 * of 0 unless SOURCE_DATE_EPOCH or the caller says otherwise. Every blob streams from the source through a
 * VerifyingStream into its entry, under the output's backpressure, so memory does not grow with archive size
 * and a corrupt source fails the export instead of producing a corrupt archive.
 */
import { pipeline as pipelineCallback, Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FerryError, isFerryError } from '../../errors.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { parseDigest, VerifyingStream } from '../../oci/digest.js';
import type { ContentSource, ContentTarget } from '../../oci/transport.js';
import { checkPlanReferences, compareStrings, type ExportPlan, type OrderedBlob, orderBlobs } from './export-plan.js';
import { dockerManifestDocument, indexDocument, ociLayoutDocument } from './layout-documents.js';
import { contentPadding, END_OF_ARCHIVE, encodeHeader } from './tar-header.js';

export interface WriteOptions {
  /** mtime of every entry; default: SOURCE_DATE_EPOCH when set, else the epoch (0). Whole seconds are kept. */
  mtime?: Date;
  /**
   * Called as a blob's content is handed to the output: `written` is how many bytes of `desc` have been written
   * so far (it reaches desc.size once the blob is complete; an empty blob reports 0 once).
   */
  onProgress?(written: number, desc: Descriptor): void;
}

export interface WriteResult {
  /** Bytes of tar written to `out` (before any compression the caller applies after it). */
  bytes: number;
  /** Distinct blobs written. */
  blobs: number;
}

/**
 * Writes the archive to `out` and ends it. On any failure `out` is destroyed and the promise rejects with a
 * FerryError: ERR_BLOB_MISSING when the source lacks a planned blob (checked before anything is written),
 * ERR_DIGEST_MISMATCH / ERR_SIZE_MISMATCH when a blob's content is not what its descriptor says.
 */
export async function writeArchive(out: Writable, source: ContentSource, plan: ExportPlan, opts: WriteOptions = {}): Promise<WriteResult> {
  const written = { bytes: 0 };
  let blobs: OrderedBlob[] = [];
  try {
    checkPlanReferences(plan);
    blobs = orderBlobs(plan);
    const mtime = archiveMtime(opts.mtime);
    await requirePresent(source, blobs);
    const tar = Readable.from(counted(archiveChunks(source, plan, blobs, mtime, opts.onProgress), written), { objectMode: false });
    await pipeline(tar, out);
  } catch (err) {
    // pipeline has already destroyed `out` when it ran; destroying without an error emits no 'error' event
    // a caller might not be listening for.
    if (!out.destroyed) out.destroy();
    throw err;
  }
  return { bytes: written.bytes, blobs: blobs.length };
}

/**
 * The archive writer as an end of the copy engine: a content target whose blobs wait in a holding area (any
 * content store) until `commit` writes the tar. The tar's order (documents first, then layers, each sorted by
 * digest) needs every blob known before its first byte, which a stream of writes in the engine's order (layers,
 * then manifests, then indexes) does not give; the holding area is what lets the two orders meet. A blob the
 * holding area already has is not written again: an export holds in the store it exports from, a merge in the
 * scratch store its inputs were read into, so nothing is copied twice. A refused write leaves nothing behind
 * because the holding area keeps nothing it refused.
 */
export class ArchiveWriter implements ContentTarget {
  constructor(private readonly holding: ContentSource & ContentTarget) {}

  has(desc: Descriptor): Promise<boolean> {
    return this.holding.has(desc);
  }

  write(desc: Descriptor, stream: Readable): Promise<void> {
    return this.holding.write(desc, stream);
  }

  /** Writes the tar of the plan (see writeArchive) from the holding area to `out`, and ends it. */
  commit(out: Writable, plan: ExportPlan, opts: WriteOptions = {}): Promise<WriteResult> {
    return writeArchive(out, this.holding, plan, opts);
  }
}

/**
 * The entries' mtime in seconds: the caller's, else SOURCE_DATE_EPOCH (reproducible-builds.org), else 0.
 * A malformed SOURCE_DATE_EPOCH is an error, as that specification asks, not silently ignored.
 */
export function archiveMtime(explicit?: Date, env: NodeJS.ProcessEnv = process.env): number {
  if (explicit !== undefined) {
    const seconds = Math.floor(explicit.getTime() / 1000);
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_MTIME) {
      throw new FerryError('ERR_USAGE', `archive mtime ${String(explicit)} is outside 1970-01-01 … 2242-03-16`, {
        hint: 'give a date after 1970 that a tar header can hold',
      });
    }
    return seconds;
  }
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return 0;
  if (!/^[0-9]{1,11}$/.test(raw) || Number(raw) > MAX_MTIME) {
    throw new FerryError('ERR_USAGE', `SOURCE_DATE_EPOCH=${JSON.stringify(raw.slice(0, 40))} is not a number of seconds since 1970`, {
      hint: 'set SOURCE_DATE_EPOCH to a non-negative integer (e.g. $(git log -1 --format=%ct)) or unset it',
    });
  }
  return Number(raw);
}

/** Largest mtime an 11-digit octal tar field holds. */
const MAX_MTIME = 0o77777777777;

async function* archiveChunks(
  source: ContentSource,
  plan: ExportPlan,
  blobs: OrderedBlob[],
  mtime: number,
  onProgress: WriteOptions['onProgress'],
): AsyncGenerator<Buffer> {
  yield* documentEntry('oci-layout', ociLayoutDocument(), mtime);
  yield* documentEntry('index.json', indexDocument(plan.images), mtime);
  if (plan.dockerManifest !== undefined && plan.dockerManifest.length > 0) {
    yield* documentEntry('manifest.json', dockerManifestDocument(plan.dockerManifest), mtime);
  }
  yield encodeHeader({ name: 'blobs/', type: 'directory', size: 0, mtime });
  const algorithms = [...new Set(blobs.map((b) => parseDigest(b.desc.digest).algorithm))].sort(compareStrings);
  for (const algorithm of algorithms) yield encodeHeader({ name: `blobs/${algorithm}/`, type: 'directory', size: 0, mtime });

  for (const { desc, path } of blobs) {
    const content = await fetchBlob(source, desc);
    yield encodeHeader({ name: path, type: 'file', size: desc.size, mtime });
    // pipeline forwards a source error into the verifier, so iterating the verifier sees every failure; leaving
    // the loop early (the output failed) destroys both.
    const verified = pipelineCallback(content, new VerifyingStream(desc), () => {});
    let written = 0;
    for await (const chunk of verified as AsyncIterable<Buffer>) {
      written += chunk.length;
      yield chunk;
      onProgress?.(written, desc);
    }
    if (desc.size === 0) onProgress?.(0, desc);
    yield contentPadding(desc.size);
  }
  yield END_OF_ARCHIVE;
}

function* documentEntry(name: string, bytes: Buffer, mtime: number): Generator<Buffer> {
  yield encodeHeader({ name, type: 'file', size: bytes.length, mtime });
  yield bytes;
  yield contentPadding(bytes.length);
}

/** Checks every blob up front, so a missing one fails the export before a partial archive is written. */
async function requirePresent(source: ContentSource, blobs: OrderedBlob[]): Promise<void> {
  const missing: Descriptor[] = [];
  for (const { desc } of blobs) if (!(await source.has(desc))) missing.push(desc);
  const [first] = missing;
  if (first) throw missingBlob(first, missing.length);
}

async function fetchBlob(source: ContentSource, desc: Descriptor): Promise<Readable> {
  try {
    return await source.fetch(desc);
  } catch (err) {
    if (isFerryError(err, 'ERR_BLOB_MISSING') || isFerryError(err, 'ERR_NOT_FOUND')) throw missingBlob(desc, 1, err);
    throw err;
  }
}

function missingBlob(desc: Descriptor, count: number, cause?: unknown): FerryError {
  const others = count > 1 ? ` (and ${count - 1} more)` : '';
  return new FerryError('ERR_BLOB_MISSING', `blob ${desc.digest} (${desc.mediaType}) is not in the source${others}`, {
    digest: desc.digest,
    hint: 'pull the image again to complete it, or export with --allow-partial to leave missing blobs out',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Passes chunks on, adding up their sizes. */
async function* counted(chunks: AsyncIterable<Buffer>, total: { bytes: number }): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    total.bytes += chunk.length;
    yield chunk;
  }
}
