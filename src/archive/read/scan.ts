/**
 * The pass over an archive that writes it: every regular file an image may need goes into the sink as it streams
 * by (hashed on the way, so content is known by what it is), small JSON documents are also kept in memory, and
 * links are recorded to be resolved once the whole archive has been seen — entry order is free, index.json may
 * come last. What happens to an entry before the archive says whether images reference it is the EntryPolicy's.
 */
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { finished } from 'node:stream/promises';
import { FerryError, isFerryError } from '../../errors.js';
import { chain } from '../../oci/chain.js';
import { SNIFF_BYTES } from '../../oci/compression.js';
import { DigestingStream, parseDigest } from '../../oci/digest.js';
import { MAX_DOCUMENT_BYTES } from '../../oci/document.js';
import type { BlobSink } from '../../oci/transport.js';
import { hardlinkTarget, MAX_LINK_HOPS, safeEntryName, symlinkTarget } from '../tar-safety.js';
import { UNREFERENCED_SIZE_ENV } from './archive-budget.js';
import { ReachableBlobs } from './reachable.js';
import { passOverTar, type ScanLimits, type TarEntry } from './tar-pass.js';

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

/**
 * What becomes of an entry that comes before the archive has said whether any image references it (its
 * index.json or manifest.json not seen yet: ctr and docker write sorted tars, blobs first).
 */
export type EntryPolicy =
  /** Written, up to `cap` bytes of such entries in all; `plainExempt`: no cap for an uncompressed archive. */
  | { undecided: 'write'; cap: number; plainExempt: boolean }
  /** The first one stops the scan with SurveyNeeded: the archive is a file, and a survey decides instead. */
  | { undecided: 'stop' }
  /** A survey of the archive has decided: only these entries are written (and the known metadata files). */
  | { wanted: ReadonlySet<string> };

/** Thrown by a scan under `{ undecided: 'stop' }` at the first entry it cannot place. */
export class SurveyNeeded extends Error {
  constructor() {
    super('the archive must be surveyed first');
  }
}

/** Metadata files of docker-save and OCI layouts, kept whatever their first byte (refused beyond MAX_DOCUMENT_BYTES). */
export const KNOWN_DOCUMENT = /^(?:oci-layout|index\.json|manifest\.json|repositories|[0-9a-f]{64}\.json)$/;
/**
 * Known documents an archive holds at most one of each, so they are kept outside the budget. Legacy `<hex>.json`
 * configs can be any number, so they share MAX_RETAINED_BYTES with other JSON: thousands of 8 MiB ones must not
 * fill memory.
 */
export const SINGLE_DOCUMENT = /^(?:oci-layout|index\.json|manifest\.json|repositories)$/;

/**
 * Other JSON objects (manifests and configs under blobs/, crane's `sha256:<hex>` configs) are kept while they
 * fit this budget: docker-save entries and index-less Docker archives need their configs, and the sink cannot
 * be read back. Metadata is tiny next to layers; an archive beyond the budget is refused where it matters.
 */
export const MAX_RETAINED_BYTES = 64 * 1024 * 1024;

const OCTET_STREAM = 'application/octet-stream';

export async function scanArchive(input: Readable, sink: BlobSink, where: string, limits: ScanLimits, policy: EntryPolicy): Promise<ScannedArchive> {
  let scanner: Scanner | undefined;
  await passOverTar(input, where, limits, (compressed) => {
    scanner = new Scanner(sink, where, policy, compressed);
    return (entry) => scanner!.add(entry);
  });
  return scanner!.result;
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
  private readonly reachable = new ReachableBlobs();
  /** Every regular file's digest by name, written or not, to tell duplicates apart. */
  private readonly fileDigests = new Map<string, string>();
  /** Bytes of entries written before anything said whether images reference them. */
  private undecidedBytes = 0;

  constructor(
    private readonly sink: BlobSink,
    private readonly where: string,
    private readonly policy: EntryPolicy,
    private readonly compressed: boolean,
  ) {}

  async add(entry: TarEntry): Promise<void> {
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

  private async addFile(name: string, entry: TarEntry, size: number): Promise<void> {
    const known = KNOWN_DOCUMENT.test(name);
    const blobDigest = blobDigestOf(name, this.where);
    const fate = this.fateOf(name, known, blobDigest);
    if (fate === 'skip') return this.skipFile(name, entry);
    if (fate === 'undecided') this.admitUndecided(name, size);
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
      if (name === 'index.json') this.reachable.addIndex(document, this.documentOf);
      else if (blobDigest !== undefined) this.reachable.addDocument(blobDigest, document, this.documentOf);
    }
  }

  /**
   * Known metadata files are always written. After a survey, exactly the entries it found referenced are. Else a
   * blob an image already references is written; once an archive is known to be an OCI layout (its oci-layout
   * came first, as ferry and most tools write it), entries outside blobs/ other than the metadata files are
   * skipped, and so is a blob no image of a fully-seen index.json references. Anything else is undecided.
   */
  private fateOf(name: string, known: boolean, blobDigest: string | undefined): 'write' | 'skip' | 'undecided' {
    if (known) return 'write';
    if ('wanted' in this.policy) return this.policy.wanted.has(name) ? 'write' : 'skip';
    if (blobDigest !== undefined && this.reachable.isReferenced(blobDigest)) return 'write';
    if (!this.result.documents.has('oci-layout')) return 'undecided';
    return blobDigest === undefined || this.reachable.isUnreferenced(blobDigest) ? 'skip' : 'undecided';
  }

  /**
   * An undecided entry stops a scan that a survey can replace; otherwise it is written while such entries stay
   * within the cap, judged by the size its header claims so that nothing beyond the cap reaches the sink.
   */
  private admitUndecided(name: string, size: number): void {
    if ('wanted' in this.policy) return;
    if (this.policy.undecided === 'stop') throw new SurveyNeeded();
    const { cap, plainExempt } = this.policy;
    this.undecidedBytes += size;
    if (this.undecidedBytes <= cap || (plainExempt && !this.compressed)) return;
    throw new FerryError('ERR_TOO_LARGE', `${this.where}:${name} (${size} bytes) would take the bytes written before the archive says what its images reference past the cap of ${cap}`, {
      path: `${this.where}:${name}`,
      hint: `import the archive from a file instead (a file is read twice, and only what images reference is written), or if it is trusted raise ${UNREFERENCED_SIZE_ENV} (e.g. 20G)`,
    });
  }

  private readonly documentOf = (digest: string): Buffer | undefined => this.result.documents.get(blobPath(digest));

  private record(name: string, file: ArchiveFile): void {
    this.checkUnique(name, file.digest);
    this.result.files.set(name, file);
    this.result.blobs.set(file.digest, file.size);
  }

  /**
   * An entry nothing will read is hashed on its way past but not written: disk use stays bounded by what images
   * reference, and a later entry of the same name with other content is still a conflict. After a survey the
   * wanted names are final, so a skipped entry is not even hashed: gigabytes of junk cost only their reading.
   */
  private async skipFile(name: string, entry: TarEntry): Promise<void> {
    if ('wanted' in this.policy) {
      entry.resume();
      return;
    }
    const digester = new DigestingStream();
    await finished(chain(entry as unknown as Readable, digester).resume());
    this.checkUnique(name, digester.digest.digest);
  }

  private checkUnique(name: string, digest: string): void {
    const existing = this.fileDigests.get(name);
    if ((existing !== undefined && existing !== digest) || this.result.links.has(name)) throw duplicate(name, this.where);
    this.fileDigests.set(name, digest);
  }

  private addLink(name: string, target: string): void {
    if (blobDigestOf(name, this.where) !== undefined) {
      // A blob is looked up by its digest, never through links: a link there would only make it look absent.
      throw new FerryError('ERR_UNSUPPORTED_ARCHIVE', `${this.where}:${name} is a link, but the blobs of an OCI layout are regular files`, {
        path: `${this.where}:${name}`,
        hint: 'the archive is corrupt or hostile; export it again with a tool that writes blobs as files',
      });
    }
    const existing = this.result.links.get(name);
    if ((existing !== undefined && existing !== target) || this.fileDigests.has(name)) throw duplicate(name, this.where);
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
export function blobDigestOf(name: string, where: string): string | undefined {
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
