/**
 * The first of two passes over an archive file whose metadata does not come first (ctr and docker write sorted
 * tars: blobs/… before index.json, layer directories before manifest.json). It writes nothing: it keeps the
 * metadata files and small JSON documents — manifests, indexes, configs — within the scan's memory budget, and
 * notes every entry's name, size and link, which is all that decides what the archive's images reference. The
 * second pass (scan.ts) then writes only that.
 */
import type { Readable } from 'node:stream';
import { MAX_DOCUMENT_BYTES } from '../../oci/document.js';
import { hardlinkTarget, safeEntryName, symlinkTarget } from '../tar-safety.js';
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

export async function surveyArchive(input: Readable, where: string, limits: ScanLimits): Promise<ArchiveSurvey> {
  const survey: ArchiveSurvey = { files: new Map(), links: new Map(), documents: new Map(), unread: new Set() };
  let budget = MAX_RETAINED_BYTES;
  const add = async (entry: TarEntry): Promise<void> => {
    const { header } = entry;
    const name = safeEntryName(header.name, where);
    if (header.type === 'symlink') survey.links.set(name, symlinkTarget(name, header.linkname ?? '', where));
    if (header.type === 'link') survey.links.set(name, hardlinkTarget(name, header.linkname ?? '', where));
    if (header.type !== 'file' && header.type !== 'contiguous-file') {
      entry.resume();
      return;
    }
    const size = header.size ?? 0;
    survey.files.set(name, size);
    // Validated here as the scan does, so a bad blob name fails before anything is written.
    blobDigestOf(name, where);
    const single = SINGLE_DOCUMENT.test(name);
    if (size > MAX_DOCUMENT_BYTES || (!single && size > budget)) {
      if (size <= MAX_DOCUMENT_BYTES) survey.unread.add(name);
      entry.resume();
      return;
    }
    const document = await readDocument(entry as unknown as Readable, KNOWN_DOCUMENT.test(name));
    if (!document) return;
    if (!single && !survey.documents.has(name)) budget -= document.length;
    survey.documents.set(name, document);
  };
  await passOverTar(input, where, limits, () => add);
  return survey;
}

/** The entry's bytes if it is a JSON object (or `known` metadata, whatever its first byte); else it is drained. */
async function readDocument(entry: Readable, known: boolean): Promise<Buffer | undefined> {
  let chunks: Buffer[] | undefined = [];
  for await (const chunk of entry as AsyncIterable<Buffer>) {
    if (chunks && chunks.length === 0 && !known && chunk[0] !== 0x7b) chunks = undefined;
    chunks?.push(chunk);
  }
  return chunks && Buffer.concat(chunks);
}
