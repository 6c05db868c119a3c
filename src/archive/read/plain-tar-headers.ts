/**
 * Walks a plain (uncompressed) tar file from header to header by offset, reading entry data only when asked:
 * surveying a several-hundred-MB sorted archive then reads kilobytes. It reads ustar and GNU headers with PAX
 * `path`/`linkpath`/`size` records and GNU long names. Anything else — a compressed file, a bad checksum, a
 * header it does not know, an entry running past the file's end — makes it answer false, and the caller reads
 * the archive with the stream reader instead, which reports any real fault.
 */
import { open } from 'node:fs/promises';

const BLOCK = 512;
/** PAX and GNU long-name records larger than this are not names: leave such an archive to the stream reader. */
const MAX_EXTENSION_BYTES = 1024 * 1024;

export interface PlainTarVisitor {
  /** A regular file of `size` bytes; `read` gives its bytes. */
  file(name: string, size: number, read: () => Promise<Buffer>): Promise<unknown>;
  link(name: string, target: string, hard: boolean): void;
}

interface Extension {
  path?: string;
  linkpath?: string;
  size?: number;
}

/** True when the whole file was walked up to its end-of-archive marker. */
export async function walkPlainTar(path: string, visitor: PlainTarVisitor): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const { size: fileSize } = await file.stat();
    const readAt = async (offset: number, length: number): Promise<Buffer | undefined> => {
      if (offset + length > fileSize) return undefined;
      const buf = Buffer.alloc(length);
      const { bytesRead } = await file.read(buf, 0, length, offset);
      return bytesRead === length ? buf : undefined;
    };
    let offset = 0;
    let ext: Extension = {};
    for (;;) {
      const header = await readAt(offset, BLOCK);
      if (!header) return false;
      if (header.every((b) => b === 0)) return true;
      if (!validChecksum(header)) return false;
      const type = String.fromCharCode(header[156]!);
      const extension = type === 'x' || type === 'L' || type === 'K';
      const headerSize = numeric(header.subarray(124, 136));
      const size = extension ? headerSize : (ext.size ?? headerSize);
      if (size === undefined) return false;
      const dataAt = offset + BLOCK;
      const next = dataAt + Math.ceil(size / BLOCK) * BLOCK;
      if (next > fileSize) return false;
      if (extension) {
        if (size > MAX_EXTENSION_BYTES) return false;
        const data = await readAt(dataAt, size);
        if (!data) return false;
        const records = type === 'x' ? paxRecords(data) : undefined;
        if (type === 'x' && !records) return false;
        if (records) ext = { ...ext, ...records };
        else if (type === 'L') ext.path = cString(data);
        else ext.linkpath = cString(data);
        offset = next;
        continue;
      }
      const name = ext.path ?? headerName(header);
      const linkname = ext.linkpath ?? cString(header.subarray(157, 257));
      ext = {};
      const regular = type === '0' || type === '\0' || type === '7';
      // An old-style file entry whose name ends in / is a directory, as tar-stream reads it.
      const directory = type === '5' || ((type === '0' || type === '\0') && name.endsWith('/'));
      if (regular && !directory) await visitor.file(name, size, async () => (await readAt(dataAt, size)) ?? Buffer.alloc(0));
      else if (type === '1' || type === '2') visitor.link(name, linkname, type === '1');
      // Devices and fifos carry nothing; global PAX headers change later PAX headers as tar-stream reads them.
      else if (!directory && !'346'.includes(type)) return false;
      offset = next;
    }
  } finally {
    await file.close();
  }
}

function validChecksum(header: Buffer): boolean {
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += header[i]!;
  return numeric(header.subarray(148, 156)) === sum;
}

/** An octal field, or a base-256 one (high bit set, as GNU tar writes sizes of 8 GiB and more). */
function numeric(field: Buffer): number | undefined {
  if (field[0]! & 0x80) {
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return Number.isSafeInteger(value) ? value : undefined;
  }
  const text = cString(field).trim();
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}

/** ustar splits long names into prefix and name; older formats have only the name. */
function headerName(header: Buffer): string {
  const name = cString(header.subarray(0, 100));
  // POSIX ustar only: GNU headers ("ustar  ") keep other fields where ustar has the prefix.
  const ustar = header.subarray(257, 263).toString('latin1') === 'ustar\0';
  const prefix = ustar && header[345] !== 0 ? cString(header.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

/** `<length> <key>=<value>\n` records, only the ones that change what an entry is; undefined when malformed. */
function paxRecords(data: Buffer): Extension | undefined {
  const out: Extension = {};
  let at = 0;
  while (at < data.length && data[at] !== 0) {
    const space = data.indexOf(0x20, at);
    if (space === -1) return undefined;
    const length = Number(data.subarray(at, space).toString('latin1'));
    if (!Number.isSafeInteger(length) || length <= space - at || at + length > data.length) return undefined;
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (key === 'path') out.path = value;
    else if (key === 'linkpath') out.linkpath = value;
    else if (key === 'size' && /^\d+$/.test(value)) out.size = Number(value);
    at += length;
  }
  return out;
}
