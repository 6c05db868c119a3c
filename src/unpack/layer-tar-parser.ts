import { Writable } from 'node:stream';
import { FerryError } from '../errors.js';
import { isDigest } from '../oci/digest.js';
import type { EntryHeader } from './layer-applier.js';

/**
 * Where the parser hands a layer's entries: each header, then that entry's content in order. The sink takes the
 * whole argument; a promise it returns holds the parser back until it settles (that is the backpressure).
 */
export interface TarEntrySink {
  header(header: EntryHeader): Promise<void> | undefined;
  content(chunk: Uint8Array): Promise<void> | undefined;
}

const BLOCK = 512;
/** The most a PAX or GNU long-name record may hold (tar-stream's bound, kept so hostile layers meet the same limit). */
const MAX_LONG_HEADER = 4 * 1024 * 1024;

type LongHeaderType = 'pax-header' | 'pax-global-header' | 'gnu-long-path' | 'gnu-long-link-path';

/** Type flags as tar-stream names them; any other flag is `null` (the applier skips it with a warning). */
const TYPES: Record<number, string> = {
  0: 'file',
  1: 'link',
  2: 'symlink',
  3: 'character-device',
  4: 'block-device',
  5: 'directory',
  6: 'fifo',
  7: 'contiguous-file',
  72: 'pax-header',
  55: 'pax-global-header',
  27: 'gnu-long-link-path',
  28: 'gnu-long-path',
  30: 'gnu-long-path',
};

const LONG_HEADERS = new Set<string>(['pax-header', 'pax-global-header', 'gnu-long-path', 'gnu-long-link-path']);

/**
 * Parses a layer's tar stream synchronously, chunk by chunk, and hands entries to a sink: no stream object,
 * promise or event per entry (tar-stream's extract made those, and with them about a third of an unpack's
 * parsing thread time on a layer of tens of thousands of small files). Headers are read with tar-stream's rules —
 * ustar and GNU formats, PAX records (global ones merged into the next local one), GNU long names, base-256
 * numbers, the same checksum and size checks — so a layer parses to the same entries it did with tar-stream.
 * A directory's size is not skipped (as tar-stream does: what follows is read as the next header).
 *
 * Bad input is a FerryError naming the layer: ERR_TRUNCATED when the data stops inside a block or an entry,
 * ERR_INVALID_DOCUMENT for a bad checksum, an unknown format, a size that is no number or a long header over 4 MiB.
 */
export class LayerTarParser extends Writable {
  /** Bytes of a header block that arrived so far, when a block spans chunks. */
  private partial = new Uint8Array(BLOCK);
  private partialLength = 0;
  /** Content bytes of the current entry still to hand on. */
  private content = 0;
  /** Padding bytes still to skip after an entry's content or a long header. */
  private padding = 0;
  /** The long header being collected, its bytes so far. */
  private long: { type: LongHeaderType; size: number; parts: Uint8Array[]; collected: number } | undefined;
  private pax: Record<string, string> | null = null;
  private paxGlobal: Record<string, string> | null = null;
  private longPath: string | null = null;
  private longLinkPath: string | null = null;

  constructor(
    private readonly sink: TarEntrySink,
    private readonly where: string,
  ) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    let waiting: Promise<void> | undefined;
    try {
      waiting = this.consume(chunk, 0);
    } catch (err) {
      done(err as Error);
      return;
    }
    if (waiting === undefined) done();
    else waiting.then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    const inside = this.content > 0 || this.padding > 0 || this.long !== undefined || this.partialLength > 0;
    done(inside ? this.failure('Unexpected end of data', true) : null);
  }

  /** Parses `chunk` from `at`; returns a promise when the sink asked to wait, parsing the rest after it. */
  private consume(chunk: Uint8Array, at: number): Promise<void> | undefined {
    while (at < chunk.length) {
      if (this.content > 0) {
        const take = Math.min(this.content, chunk.length - at);
        this.content -= take;
        const waiting = this.sink.content(chunk.subarray(at, at + take));
        at += take;
        if (waiting) return this.resume(waiting, chunk, at);
      } else if (this.padding > 0) {
        const skip = Math.min(this.padding, chunk.length - at);
        this.padding -= skip;
        at += skip;
      } else if (this.long) {
        at = this.collectLongHeader(chunk, at);
      } else {
        let block: Uint8Array;
        if (this.partialLength === 0 && chunk.length - at >= BLOCK) {
          block = chunk.subarray(at, at + BLOCK);
          at += BLOCK;
        } else {
          const take = Math.min(BLOCK - this.partialLength, chunk.length - at);
          this.partial.set(chunk.subarray(at, at + take), this.partialLength);
          this.partialLength += take;
          at += take;
          if (this.partialLength < BLOCK) return undefined;
          block = this.partial;
          this.partialLength = 0;
        }
        const waiting = this.headerBlock(block);
        if (waiting) return this.resume(waiting, chunk, at);
      }
    }
    return undefined;
  }

  private async resume(waiting: Promise<void>, chunk: Uint8Array, at: number): Promise<void> {
    await waiting;
    await this.consume(chunk, at);
  }

  /** One 512-byte header block: an entry handed to the sink, a long header to collect, or an empty block. */
  private headerBlock(block: Uint8Array): Promise<void> | undefined {
    const header = this.decodeHeader(block);
    if (header === null) return undefined;
    if (LONG_HEADERS.has(header.type!)) {
      if (!(header.size! >= 0)) throw this.failure('Invalid header');
      if (header.size! > MAX_LONG_HEADER) throw this.failure('Header exceeds max size');
      this.long = { type: header.type as LongHeaderType, size: header.size!, parts: [], collected: 0 };
      if (header.size === 0) this.endLongHeader();
      return undefined;
    }
    this.applyLongHeaders(header);
    if (!(header.size! >= 0)) throw this.failure('Invalid header');
    if (header.type !== 'directory') {
      this.content = header.size!;
      this.padding = paddingOf(header.size!);
    }
    return this.sink.header(header);
  }

  private collectLongHeader(chunk: Uint8Array, at: number): number {
    const long = this.long!;
    const take = Math.min(long.size - long.collected, chunk.length - at);
    // Copied: the chunk's buffer may be reused by the stream that wrote it once this write is done.
    long.parts.push(Uint8Array.prototype.slice.call(chunk, at, at + take));
    long.collected += take;
    if (long.collected === long.size) this.endLongHeader();
    return at + take;
  }

  private endLongHeader(): void {
    const { type, size, parts } = this.long!;
    this.long = undefined;
    this.padding = paddingOf(size);
    const record = Buffer.concat(parts, size);
    switch (type) {
      case 'gnu-long-path':
        this.longPath = cString(record, 0, record.length);
        break;
      case 'gnu-long-link-path':
        this.longLinkPath = cString(record, 0, record.length);
        break;
      case 'pax-global-header':
        this.paxGlobal = decodePax(record);
        break;
      case 'pax-header':
        this.pax = this.paxGlobal === null ? decodePax(record) : Object.assign({}, this.paxGlobal, decodePax(record));
        break;
    }
  }

  /** GNU long names and PAX records apply to the entry that follows them, then are spent. */
  private applyLongHeaders(header: EntryHeader): void {
    if (this.longPath !== null) header.name = this.longPath;
    if (this.longLinkPath !== null) header.linkname = this.longLinkPath;
    this.longPath = this.longLinkPath = null;
    const pax = this.pax;
    if (pax !== null) {
      if (pax.path) header.name = pax.path;
      if (pax.linkpath) header.linkname = pax.linkpath;
      if (pax.size) header.size = parseInt(pax.size, 10);
      header.pax = pax;
      this.pax = null;
    }
  }

  /** A header block's fields, or null for an empty block (its checksum is that of 512 zero bytes). */
  private decodeHeader(block: Uint8Array): EntryHeader | null {
    const sum = checksum(block);
    if (sum === 8 * 32) return null;
    if (sum !== octal(block, 148, 8)) throw this.failure('Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?');
    let name = cString(block, 0, 100);
    if (isUstar(block)) {
      if (block[345] !== 0) name = `${cString(block, 345, 155)}/${name}`;
    } else if (!isGnu(block)) {
      throw this.failure('Invalid tar header: unknown format.');
    }
    const flag = block[156] === 0 ? 0 : block[156]! - 0x30;
    return {
      name,
      type: TYPES[flag] ?? null,
      size: octal(block, 124, 12)!,
      mode: octal(block, 100, 8)!,
      uid: octal(block, 108, 8)!,
      gid: octal(block, 116, 8)!,
      mtime: new Date(1000 * octal(block, 136, 12)!),
      linkname: block[157] === 0 ? null : cString(block, 157, 100),
      pax: null,
    };
  }

  private failure(reason: string, truncated = false): FerryError {
    return new FerryError(truncated ? 'ERR_TRUNCATED' : 'ERR_INVALID_DOCUMENT', `layer ${this.where} is ${truncated ? 'a truncated' : 'not a valid'} tar archive (${reason})`, {
      ...(isDigest(this.where) ? { digest: this.where } : {}),
      hint: 'the layer is damaged; fetch or export the image again',
    });
  }
}

/** Bytes from an entry's content to the next 512-byte boundary. */
function paddingOf(size: number): number {
  const tail = size % BLOCK;
  return tail === 0 ? 0 : BLOCK - tail;
}

/** The sum of the header's bytes with the checksum field read as spaces. */
function checksum(block: Uint8Array): number {
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += block[i]!;
  for (let i = 156; i < BLOCK; i++) sum += block[i]!;
  return sum;
}

const USTAR_MAGIC = [0x75, 0x73, 0x74, 0x61, 0x72, 0x00];
const GNU_MAGIC = [0x75, 0x73, 0x74, 0x61, 0x72, 0x20, 0x20, 0x00];

function isUstar(block: Uint8Array): boolean {
  return USTAR_MAGIC.every((byte, i) => block[257 + i] === byte);
}

function isGnu(block: Uint8Array): boolean {
  return GNU_MAGIC.every((byte, i) => block[257 + i] === byte);
}

/** A NUL-terminated UTF-8 field. */
function cString(block: Uint8Array, offset: number, length: number): string {
  let end = offset;
  while (end < offset + length && block[end] !== 0) end++;
  return Buffer.from(block.buffer, block.byteOffset + offset, end - offset).toString('utf8');
}

/**
 * A numeric field: octal digits (leading spaces and NULs skipped, ending at a space or NUL), or base-256 when the
 * first byte has its high bit set (0x80 positive, 0xff negative, anything else null) — tar-stream's reading,
 * with a fast path for the plain digits nearly every header holds.
 */
function octal(block: Uint8Array, offset: number, length: number): number | null {
  const end = offset + length;
  if (block[offset]! & 0x80) return base256(block, offset, end);
  let at = offset;
  while (at < end && block[at] === 0x20) at++;
  let stop = at;
  while (stop < end && block[stop] !== 0x20) stop++;
  while (at < stop && block[at] === 0) at++;
  if (at === stop) return 0;
  let value = 0;
  let digit = at;
  for (; digit < stop; digit++) {
    const byte = block[digit]!;
    if (byte < 0x30 || byte > 0x37) break;
    value = value * 8 + (byte - 0x30);
  }
  if (digit > at && (digit === stop || block[digit] === 0)) return value;
  // Anything unusual is read the way parseInt reads it, so odd headers keep tar-stream's values.
  return parseInt(Buffer.from(block.buffer, block.byteOffset + at, stop - at).toString('utf8'), 8);
}

function base256(block: Uint8Array, offset: number, end: number): number | null {
  const first = block[offset];
  if (first !== 0x80 && first !== 0xff) return null;
  const positive = first === 0x80;
  let sum = 0;
  for (let i = end - 1, scale = 1; i > offset; i--, scale *= 256) sum += (positive ? block[i]! : 0xff - block[i]!) * scale;
  return positive ? sum : -sum;
}

/** PAX records (`<length> <key>=<value>\n`), read as tar-stream reads them: a malformed record ends the list. */
function decodePax(record: Buffer): Record<string, string> {
  const result: Record<string, string> = {};
  let rest = record;
  while (rest.length > 0) {
    let space = 0;
    while (space < rest.length && rest[space] !== 0x20) space++;
    const length = parseInt(rest.subarray(0, space).toString('utf8'), 10);
    if (!length) return result;
    const text = rest.subarray(space + 1, length - 1).toString('utf8');
    const equals = text.indexOf('=');
    if (equals === -1) return result;
    result[text.slice(0, equals)] = text.slice(equals + 1);
    rest = rest.subarray(length);
  }
  return result;
}
