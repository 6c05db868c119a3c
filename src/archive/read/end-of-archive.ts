/**
 * Finds the end-of-archive marker (two null header blocks) of a tar stream and ends the stream there. tar-stream
 * skips null blocks and reads on until its input ends, so `ferry import - < /dev/zero`, or a valid tar followed by
 * /dev/zero, would never finish. This walks the same framing tar-stream does — header blocks, PAX and GNU long
 * headers, a PAX `size` overriding the header's, no data after a directory header — so it sees the marker exactly
 * where tar-stream would meet it, passes everything up to it on, and then ends its output. What follows the
 * marker is read and dropped up to TRAILER_ALLOWANCE (record padding, a compressed stream's tail); beyond that,
 * reading stops and `stopped` resolves, so the caller can release the input.
 */
import { Transform, type TransformCallback } from 'node:stream';

const BLOCK = 512;
/** tar pads archives to records (10 KiB for GNU tar); anything much longer after the marker is not padding. */
export const TRAILER_ALLOWANCE = 1024 * 1024;
/** tar-stream refuses PAX and GNU long headers beyond this; past it there is nothing left to follow. */
const MAX_LONG_HEADER = 4 * 1024 * 1024;
/** A header whose checksummed bytes are all zero sums to eight spaces: what tar-stream calls a null header. */
const NULL_CHECKSUM = 8 * 32;

type Pax = Record<string, string>;

export class EndOfArchive extends Transform {
  /** Resolves when reading stopped because too much followed the marker. */
  readonly stopped: Promise<void>;
  private stop!: () => void;
  private header: Buffer = Buffer.alloc(0);
  /** Data bytes (with padding) of the current entry still to pass. */
  private skip = 0;
  /** A PAX header's data being collected, and how much of it is still to come. */
  private longHeader: { type: 'pax' | 'pax-global'; chunks: Buffer[]; left: number; padding: number } | undefined;
  private pax: Pax | undefined;
  private paxGlobal: Pax | undefined;
  private nullBlocks = 0;
  /** Set once the marker has passed; counts what followed it. */
  private trailing: number | undefined;
  /** Framing this walker does not understand: tar-stream will refuse the archive, so just pass it on. */
  private lost = false;

  constructor() {
    super();
    this.stopped = new Promise((resolve) => {
      this.stop = resolve;
    });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.trailing !== undefined) return this.dropTrailing(chunk.length, done);
    if (this.lost) return done(null, chunk);
    const end = this.walk(chunk);
    if (end === undefined) return done(null, chunk);
    this.push(chunk.subarray(0, end));
    this.push(null);
    this.trailing = 0;
    this.dropTrailing(chunk.length - end, done);
  }

  private dropTrailing(length: number, done: TransformCallback): void {
    this.trailing! += length;
    // Holding the callback stops the flow: nothing more is read from the input.
    if (this.trailing! > TRAILER_ALLOWANCE) this.stop();
    else done();
  }

  /** Advances through `chunk`; returns the offset just past the end-of-archive marker when it is in it. */
  private walk(chunk: Buffer): number | undefined {
    let at = 0;
    while (at < chunk.length && !this.lost) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      if (this.longHeader) {
        at = this.collect(chunk, at);
        continue;
      }
      const need = BLOCK - this.header.length;
      const take = chunk.subarray(at, at + need);
      at += take.length;
      this.header = this.header.length === 0 && take.length === BLOCK ? take : Buffer.concat([this.header, take]);
      if (this.header.length < BLOCK) break;
      const block = this.header;
      this.header = Buffer.alloc(0);
      if (this.onHeader(block)) return at;
    }
    return undefined;
  }

  private collect(chunk: Buffer, at: number): number {
    const long = this.longHeader!;
    const n = Math.min(long.left, chunk.length - at);
    long.chunks.push(chunk.subarray(at, at + n));
    long.left -= n;
    if (long.left === 0) {
      const pax = decodePax(Buffer.concat(long.chunks));
      if (long.type === 'pax-global') this.paxGlobal = pax;
      else this.pax = this.paxGlobal ? { ...this.paxGlobal, ...pax } : pax;
      this.longHeader = undefined;
      this.skip = long.padding;
    }
    return at + n;
  }

  /** Reads one header block; true when it completes the end-of-archive marker. */
  private onHeader(block: Buffer): boolean {
    if (checksum(block) === NULL_CHECKSUM) {
      this.nullBlocks += 1;
      return this.nullBlocks === 2;
    }
    this.nullBlocks = 0;
    const flag = block[156] === 0 ? 0 : block[156]! - 48;
    let size = decodeSize(block.subarray(124, 136));
    if (size === undefined || size < 0) {
      this.lost = true;
      return false;
    }
    switch (flag) {
      case 72: // 'x': PAX header for the next entry
      case 55: // 'g': global PAX header
        if (size > MAX_LONG_HEADER) {
          this.lost = true;
          return false;
        }
        this.longHeader = { type: flag === 72 ? 'pax' : 'pax-global', chunks: [], left: size, padding: padding(size) };
        if (size === 0) this.collect(Buffer.alloc(0), 0);
        return false;
      case 27: // 'K', 'L', 'N': GNU long link name and long names
      case 28:
      case 30:
        this.skip = size + padding(size);
        return false;
    }
    if (this.pax?.size) size = Number.parseInt(this.pax.size, 10);
    this.pax = undefined;
    if (!(size >= 0)) {
      this.lost = true;
      return false;
    }
    if (!isDirectory(block, flag)) this.skip = size + padding(size);
    return false;
  }
}

function checksum(block: Buffer): number {
  let sum = NULL_CHECKSUM;
  for (let i = 0; i < 148; i++) sum += block[i]!;
  for (let i = 156; i < BLOCK; i++) sum += block[i]!;
  return sum;
}

function padding(size: number): number {
  const rest = size % BLOCK;
  return rest === 0 ? 0 : BLOCK - rest;
}

/** A numeric header field: octal text, or base-256 when the high bit of its first byte is set (as tar-stream reads it). */
function decodeSize(field: Buffer): number | undefined {
  if (field[0]! & 0x80) {
    if (field[0] !== 0x80) return undefined;
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  let start = 0;
  while (start < field.length && field[start] === 0x20) start++;
  let end = field.indexOf(0x20, start);
  if (end === -1) end = field.length;
  while (start < end && field[start] === 0) start++;
  if (start === end) return 0;
  const value = Number.parseInt(field.subarray(start, end).toString('latin1'), 8);
  return Number.isNaN(value) ? undefined : value;
}

/** Whether tar-stream reads no data after this header: directories, including old tars' `name/` regular files. */
function isDirectory(block: Buffer, flag: number): boolean {
  if (flag === 5) return true;
  if (flag !== 0) return false;
  const nameEnd = block.indexOf(0, 0);
  const name = block.subarray(0, nameEnd === -1 || nameEnd > 100 ? 100 : nameEnd);
  const ustar = block.subarray(257, 263).equals(USTAR_MAGIC);
  if (ustar && block[345] !== 0) return name.length === 0 || name[name.length - 1] === 0x2f;
  return name.length > 0 && name[name.length - 1] === 0x2f;
}

const USTAR_MAGIC = Buffer.from('ustar\0', 'latin1');

/** PAX records `<length> <key>=<value>\n`, read the way tar-stream reads them. */
function decodePax(buf: Buffer): Pax {
  const result: Pax = {};
  let rest = buf;
  while (rest.length > 0) {
    let i = 0;
    while (i < rest.length && rest[i] !== 0x20) i++;
    const length = Number.parseInt(rest.subarray(0, i).toString(), 10);
    if (!length) return result;
    const record = rest.subarray(i + 1, length - 1).toString();
    const eq = record.indexOf('=');
    if (eq === -1) return result;
    result[record.slice(0, eq)] = record.slice(eq + 1);
    rest = rest.subarray(length);
  }
  return result;
}
