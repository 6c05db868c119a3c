/**
 * Encodes the few kinds of tar headers an export needs (regular files and directories), byte for byte the same
 * for the same input: owner 0:0 with empty user and group names, a fixed mode and a caller-given mtime, POSIX
 * ustar magic. Names longer than ustar's 100 bytes (a `blobs/sha512/<128 hex>` path) and files of 8 GiB or more
 * get a PAX extended header first, which every reader ferry cares about (Go's archive/tar in docker, containerd
 * and skopeo; GNU tar; node-tar; tar-stream) understands.
 */
export const TAR_BLOCK_SIZE = 512;

/** Two zero blocks end a tar archive. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * TAR_BLOCK_SIZE);

export interface TarHeader {
  /** Entry name; directories end in `/`. */
  name: string;
  type: 'file' | 'directory';
  /** Content size in bytes; 0 for directories. */
  size: number;
  /** Modification time in whole seconds since the epoch. */
  mtime: number;
}

const FILE_MODE = 0o644;
const DIRECTORY_MODE = 0o755;
const NAME_FIELD = 100;
/** Largest size an 11-digit octal field holds (8 GiB − 1). */
const MAX_OCTAL_SIZE = 0o77777777777;

/** The header block(s) that precede an entry's content. */
export function encodeHeader(header: TarHeader): Buffer {
  const pax: [string, string][] = [];
  if (Buffer.byteLength(header.name) > NAME_FIELD) pax.push(['path', header.name]);
  if (header.size > MAX_OCTAL_SIZE) pax.push(['size', String(header.size)]);
  const ustar = ustarBlock({
    name: header.name,
    typeflag: header.type === 'directory' ? '5' : '0',
    mode: header.type === 'directory' ? DIRECTORY_MODE : FILE_MODE,
    size: header.size > MAX_OCTAL_SIZE ? 0 : header.size,
    mtime: header.mtime,
  });
  if (pax.length === 0) return ustar;
  return Buffer.concat([paxEntry(header, pax), ustar]);
}

/** Zero bytes that round content of `size` bytes up to a whole block. */
export function contentPadding(size: number): Buffer {
  const rest = size % TAR_BLOCK_SIZE;
  return Buffer.alloc(rest === 0 ? 0 : TAR_BLOCK_SIZE - rest);
}

interface UstarFields {
  name: string;
  typeflag: '0' | '5' | 'x';
  mode: number;
  size: number;
  mtime: number;
}

function ustarBlock(f: UstarFields): Buffer {
  const block = Buffer.alloc(TAR_BLOCK_SIZE);
  // A name too long for the field is carried by the PAX header; the truncated copy here is only a fallback.
  Buffer.from(f.name, 'utf8').copy(block, 0, 0, NAME_FIELD);
  writeOctal(block, 100, 8, f.mode);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, f.size);
  writeOctal(block, 136, 12, f.mtime);
  block.write('        ', 148, 'ascii'); // checksum is computed over spaces in its own field
  block.write(f.typeflag, 156, 'ascii');
  block.write('ustar\u000000', 257, 'ascii');
  // uname (265) and gname (297) stay empty: ownership is numeric 0:0.
  writeOctal(block, 329, 8, 0); // devmajor
  writeOctal(block, 337, 8, 0); // devminor
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'ascii');
  return block;
}

/** A PAX extended header entry (typeflag `x`) carrying the records that do not fit the ustar header. */
function paxEntry(header: TarHeader, records: [string, string][]): Buffer {
  const body = Buffer.from(records.map(([key, value]) => paxRecord(key, value)).join(''), 'utf8');
  const base = header.name.replace(/\/$/, '').split('/').pop() ?? '';
  const block = ustarBlock({ name: `PaxHeaders/${base}`, typeflag: 'x', mode: FILE_MODE, size: body.length, mtime: header.mtime });
  return Buffer.concat([block, body, contentPadding(body.length)]);
}

/** `<length> <key>=<value>\n`, where the length counts the whole record including its own digits. */
function paxRecord(key: string, value: string): string {
  const rest = Buffer.byteLength(` ${key}=${value}\n`);
  let length = rest + String(rest).length;
  if (String(length).length !== String(rest).length) length = rest + String(length).length;
  return `${length} ${key}=${value}\n`;
}

function writeOctal(block: Buffer, offset: number, width: number, value: number): void {
  block.write(`${Math.trunc(value).toString(8).padStart(width - 1, '0')}\u0000`, offset, 'ascii');
}
