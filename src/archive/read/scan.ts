/**
 * The one pass over an archive: every regular file goes into the sink as it streams by (hashed on the way, so
 * content is known by what it is), small JSON documents are also kept in memory, and links are recorded to be
 * resolved once the whole archive has been seen — entry order is free, index.json may come last.
 */
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { FerryError, isFerryError } from '../../errors.js';
import { chain } from '../../oci/chain.js';
import { createDecompressor, refuseUnsupportedCompression, SNIFF_BYTES } from '../../oci/compression.js';
import { parseDigest } from '../../oci/digest.js';
import { MAX_DOCUMENT_BYTES } from '../../oci/document.js';
import type { BlobSink } from '../../oci/transport.js';
import { hardlinkTarget, MAX_LINK_HOPS, safeEntryName, symlinkTarget } from '../tar-safety.js';
import { sniffStream } from '../../oci/sniff-stream.js';

/** A regular file of the archive, now in the sink. */
export interface ArchiveFile {
  digest: string;
  size: number;
  /** The first bytes, to sniff a layer's compression without reading it again. */
  head: Buffer;
}

export interface ScannedArchive {
  /** Regular files by clean entry name. */
  files: Map<string, ArchiveFile>;
  /** Symlinks and hard links by clean entry name → the entry name they point to (inside the archive). */
  links: Map<string, string>;
  /** JSON documents kept in memory by entry name: the known metadata files, and other small JSON objects. */
  documents: Map<string, Buffer>;
  /** digest → size of everything written to the sink. */
  blobs: Map<string, number>;
}

/** Metadata files of docker-save and OCI layouts, kept whatever their first byte (refused beyond MAX_DOCUMENT_BYTES). */
const KNOWN_DOCUMENT = /^(?:oci-layout|index\.json|manifest\.json|repositories|[0-9a-f]{64}\.json)$/;
/**
 * Known documents an archive holds at most one of each, so they are kept outside the budget. Legacy `<hex>.json`
 * configs can be any number, so they share MAX_RETAINED_BYTES with other JSON: thousands of 8 MiB ones must not
 * fill memory.
 */
const SINGLE_DOCUMENT = /^(?:oci-layout|index\.json|manifest\.json|repositories)$/;

/**
 * Other JSON objects (manifests and configs under blobs/, crane's `sha256:<hex>` configs) are kept while they
 * fit this budget: docker-save entries and index-less Docker archives need their configs, and the sink cannot
 * be read back. Metadata is tiny next to layers; an archive beyond the budget is refused where it matters.
 */
export const MAX_RETAINED_BYTES = 64 * 1024 * 1024;

const OCTET_STREAM = 'application/octet-stream';

/** A tar-stream entry as it really arrives: unknown type flags come through as null. */
interface Entry {
  header: Omit<tar.Header, 'type'> & { type: tar.Header['type'] | null };
  resume(): unknown;
}

export async function scanArchive(input: Readable, sink: BlobSink, where: string): Promise<ScannedArchive> {
  const { compression, head, stream } = await sniffStream(input);
  try {
    if (compression === 'none') refuseUnsupportedCompression(head, where);
  } catch (err) {
    stream.destroy();
    throw err;
  }
  const extract = tar.extract();
  const stages = compression === 'none' ? [stream, extract] : [stream, createDecompressor(compression, where), extract];
  const piped = pipeline(stages as unknown as [Readable, NodeJS.WritableStream]).then(
    () => undefined,
    (err: unknown) => err,
  );
  const scanner = new Scanner(sink, where);
  try {
    for await (const entry of extract) await scanner.add(entry as unknown as Entry);
  } catch (err) {
    // Leaving the loop destroys the extractor; make sure the source is released too, then wait for the pipe.
    extract.destroy();
    input.destroy();
    await piped;
    throw tarStreamError(err, where);
  }
  const pipeError = await piped;
  if (pipeError !== undefined) throw tarStreamError(pipeError, where);
  return scanner.result;
}

/** Follows links from `name` to a regular file; undefined when nothing is there. */
export function resolveEntry(scan: ScannedArchive, name: string, where: string): { name: string; file: ArchiveFile } | undefined {
  let current = name;
  for (let hops = 0; hops <= MAX_LINK_HOPS; hops++) {
    const file = scan.files.get(current);
    if (file) return { name: current, file };
    const next = scan.links.get(current);
    if (next === undefined) return undefined;
    current = next;
  }
  throw new FerryError('ERR_UNSAFE_PATH', `${where}: links from ${JSON.stringify(name)} form a loop or a chain longer than ${MAX_LINK_HOPS}`, {
    path: name,
    hint: 'the archive is corrupt or hostile; do not import it',
  });
}

/** The archive path of a blob in an OCI layout. */
export function blobPath(digest: string): string {
  return `blobs/${digest.replace(':', '/')}`;
}

class Scanner {
  readonly result: ScannedArchive = { files: new Map(), links: new Map(), documents: new Map(), blobs: new Map() };
  private retainBudget = MAX_RETAINED_BYTES;

  constructor(
    private readonly sink: BlobSink,
    private readonly where: string,
  ) {}

  async add(entry: Entry): Promise<void> {
    const { header } = entry;
    const name = safeEntryName(header.name, this.where);
    switch (header.type) {
      case 'file':
      case 'contiguous-file':
        return this.addFile(name, entry, header.size ?? 0);
      case 'symlink':
        entry.resume();
        return this.addLink(name, symlinkTarget(name, header.linkname ?? '', this.where));
      case 'link':
        // Hard links are read as aliases of an earlier entry, like symlinks; they never create content.
        entry.resume();
        return this.addLink(name, hardlinkTarget(name, header.linkname ?? '', this.where));
      default:
        // Directories, devices and fifos carry no image content.
        entry.resume();
    }
  }

  private async addFile(name: string, entry: Entry, size: number): Promise<void> {
    const known = KNOWN_DOCUMENT.test(name);
    if (known && size > MAX_DOCUMENT_BYTES) {
      throw new FerryError('ERR_TOO_LARGE', `${this.where}:${name} claims ${size} bytes, more than the ${MAX_DOCUMENT_BYTES} allowed for a JSON document`, {
        path: `${this.where}:${name}`,
        hint: 'the archive is corrupt or hostile',
      });
    }
    const single = SINGLE_DOCUMENT.test(name);
    const mayRetain = single || (size <= MAX_DOCUMENT_BYTES && size <= this.retainBudget);
    const stream = new ObservedEntry(mayRetain, known);
    chain(entry as unknown as Readable, stream);
    const blobDigest = blobDigestOf(name, this.where);
    let written: { digest: string; size: number };
    try {
      if (blobDigest === undefined) {
        written = await this.sink.writeUnknown(stream);
      } else {
        await this.sink.write({ mediaType: OCTET_STREAM, digest: blobDigest, size }, stream);
        written = { digest: blobDigest, size };
      }
      // A sink that already holds the blob may return without reading; the tar must still move past it.
      if (!stream.readableEnded) await finished(stream.resume());
    } catch (err) {
      throw entryError(err, name, this.where);
    }
    this.record(name, { digest: written.digest, size: written.size, head: stream.head });
    const document = stream.document();
    if (document && (single || document.length <= this.retainBudget)) {
      if (!single && !this.result.documents.has(name)) this.retainBudget -= document.length;
      this.result.documents.set(name, document);
    }
  }

  private record(name: string, file: ArchiveFile): void {
    const existing = this.result.files.get(name);
    if ((existing && existing.digest !== file.digest) || this.result.links.has(name)) throw duplicate(name, this.where);
    this.result.files.set(name, file);
    this.result.blobs.set(file.digest, file.size);
  }

  private addLink(name: string, target: string): void {
    const existing = this.result.links.get(name);
    if ((existing !== undefined && existing !== target) || this.result.files.has(name)) throw duplicate(name, this.where);
    this.result.links.set(name, target);
  }
}

/**
 * Passes an entry's bytes on, remembering its first bytes and, if it looks like a JSON document, all of it. A
 * Transform rather than an async generator: per-chunk generator hops halve the throughput.
 */
class ObservedEntry extends Transform {
  head = Buffer.alloc(0);
  private retained: Buffer[] | undefined;

  constructor(
    mayRetain: boolean,
    private readonly known: boolean,
  ) {
    super();
    if (mayRetain) this.retained = [];
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.head.length < SNIFF_BYTES) this.head = Buffer.concat([this.head, chunk.subarray(0, SNIFF_BYTES - this.head.length)]);
    if (this.retained) {
      // Only JSON objects are kept unless the name says it is metadata: a small layer never sits in memory.
      if (this.retained.length === 0 && !this.known && chunk[0] !== 0x7b) this.retained = undefined;
      else this.retained.push(chunk);
    }
    done(null, chunk);
  }

  document(): Buffer | undefined {
    return this.retained && Buffer.concat(this.retained);
  }
}

/** The digest an OCI layout entry name promises (`blobs/sha256/<hex>`), or undefined outside blobs/. */
function blobDigestOf(name: string, where: string): string | undefined {
  const parts = name.split('/');
  if (parts[0] !== 'blobs' || parts.length < 2) return undefined;
  if (parts.length !== 3) {
    throw new FerryError('ERR_INVALID_DIGEST', `${where}:${name} is under blobs/ but not named blobs/<algorithm>/<hex>`, {
      path: `${where}:${name}`,
      hint: 'the archive is corrupt or hostile',
    });
  }
  const digest = `${parts[1]}:${parts[2]}`;
  parseDigest(digest, `${where}:${name}`);
  return digest;
}

function duplicate(name: string, where: string): FerryError {
  return new FerryError('ERR_CONFLICT', `${where}:${name} appears twice with different content`, {
    path: `${where}:${name}`,
    hint: 'the archive is corrupt or hostile; which copy is meant cannot be told',
  });
}

/** Names the entry in verification failures of the sink, which only knows the digest. */
function entryError(err: unknown, name: string, where: string): unknown {
  if (isFerryError(err, 'ERR_DIGEST_MISMATCH') || isFerryError(err, 'ERR_SIZE_MISMATCH')) {
    return new FerryError(err.code, `${where}:${name}: ${err.message}`, {
      path: `${where}:${name}`,
      ...(err.digest === undefined ? {} : { digest: err.digest }),
      hint: 'the archive is corrupt or was tampered with; export it again',
      cause: err,
    });
  }
  return err;
}

/** tar-stream reports malformed input with plain Errors; give them codes. */
function tarStreamError(err: unknown, where: string): unknown {
  if (isFerryError(err) || !(err instanceof Error)) return err;
  if (err.message === 'Unexpected end of data') {
    return new FerryError('ERR_TRUNCATED', `${where}: the tar archive ends in the middle of an entry`, {
      path: where,
      hint: 'the archive is incomplete; copy or export it again',
      cause: err,
    });
  }
  if (/^Invalid (tar )?header|Header exceeds max size/.test(err.message)) {
    return new FerryError('ERR_UNSUPPORTED_ARCHIVE', `${where} is not a tar archive (${err.message})`, {
      path: where,
      hint: 'ferry imports tar archives (optionally gzip- or zstd-compressed) written by docker save, ferry export, skopeo or containerd',
      cause: err,
    });
  }
  return err;
}
