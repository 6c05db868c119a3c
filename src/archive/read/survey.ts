/**
 * The first of two passes over an archive file whose metadata does not come first (ctr and docker write sorted
 * tars: blobs/… before index.json, layer directories before manifest.json). It writes nothing: it keeps the
 * metadata files and small JSON documents — manifests, indexes, configs — within the scan's memory budget, and
 * notes every entry's name, size and link, which is all that decides what the archive's images reference. The
 * second pass (scan.ts) then writes only that. A plain tar is surveyed by seeking from header to header
 * (plain-tar-headers.ts), so only its headers and documents are read; a compressed one is read through.
 */
import type { Readable } from 'node:stream';
import { MAX_DOCUMENT_BYTES } from '../../oci/document.js';
import { hardlinkTarget, safeEntryName, symlinkTarget } from '../tar-safety.js';
import { type PlainTarVisitor, walkPlainTar } from './plain-tar-headers.js';
import { blobDigestOf, KNOWN_DOCUMENT, MAX_RETAINED_BYTES, SINGLE_DOCUMENT } from './scan.js';
import { passOverTar, type ScanLimits, type TarEntry } from './tar-pass.js';

export interface ArchiveSurvey {
  /** Regular files: entry name → size. */
  files: Map<string, number>;
  /** Symlinks and hard links: entry name → the entry name they point to. */
  links: Map<string, string>;
  /** The metadata files and the small JSON objects that fit the budget, by entry name. */
  documents: Map<string, Buffer>;
  /** Entries small enough to be documents that the budget left unread: what they reference is unknown. */
  unread: Set<string>;
}

/** An archive file to survey: its path (a plain tar is read by offset) and how to stream it from its start. */
export interface ArchiveFileSource {
  path: string;
  open(): Readable;
}

export async function surveyArchive(file: ArchiveFileSource, where: string, limits: ScanLimits): Promise<ArchiveSurvey> {
  const seeking = new Surveyor(where);
  if (await walkPlainTar(file.path, seeking)) return seeking.result;
  // Compressed, or a header the walker does not read with certainty: the stream reader decides, errors included.
  const streaming = new Surveyor(where);
  await passOverTar(file.open(), where, limits, () => (entry) => streaming.add(entry));
  return streaming.result;
}

class Surveyor implements PlainTarVisitor {
  readonly result: ArchiveSurvey = { files: new Map(), links: new Map(), documents: new Map(), unread: new Set() };
  private budget = MAX_RETAINED_BYTES;

  constructor(private readonly where: string) {}

  /** An entry of the stream reader. */
  async add(entry: TarEntry): Promise<void> {
    const { header } = entry;
    if (header.type === 'symlink' || header.type === 'link') this.link(header.name, header.linkname ?? '', header.type === 'link');
    if (header.type !== 'file' && header.type !== 'contiguous-file') {
      entry.resume();
      return;
    }
    const body = entry as unknown as Readable;
    const kept = await this.file(header.name, header.size ?? 0, () => readDocument(body));
    if (!kept) body.resume();
  }

  link(rawName: string, rawTarget: string, hard: boolean): void {
    const name = safeEntryName(rawName, this.where);
    this.result.links.set(name, hard ? hardlinkTarget(name, rawTarget, this.where) : symlinkTarget(name, rawTarget, this.where));
  }

  /** Notes a regular file; reads it with `read` only if it may be a document worth keeping (then true). */
  async file(rawName: string, size: number, read: () => Promise<Buffer>): Promise<boolean> {
    const name = safeEntryName(rawName, this.where);
    this.result.files.set(name, size);
    // Validated here as the scan does, so a bad blob name fails before anything is written.
    blobDigestOf(name, this.where);
    const single = SINGLE_DOCUMENT.test(name);
    if (size > MAX_DOCUMENT_BYTES || (!single && size > this.budget)) {
      if (size <= MAX_DOCUMENT_BYTES) this.result.unread.add(name);
      return false;
    }
    const bytes = await read();
    // Only JSON objects are kept unless the name says it is metadata, as the scan does.
    if (!KNOWN_DOCUMENT.test(name) && bytes[0] !== 0x7b) return true;
    if (!single && !this.result.documents.has(name)) this.budget -= bytes.length;
    this.result.documents.set(name, bytes);
    return true;
  }
}

async function readDocument(entry: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
