import { type Duplex, Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { FerryError } from '../errors.js';
import { wrapErrors } from './compression/errors.js';
import { createPureJsZstdStream } from './compression/fzstd-stream.js';
import { nodeZstd, ZSTD_BACKEND_ENV, zstdBackend, zstdCompressorBackend } from './compression/zstd-backend.js';
import { createZstdProgramCompressStream, createZstdProgramDecompressStream, ZSTD_PROGRAM_HINT } from './compression/zstd-program.js';

export {
  availableZstdBackends,
  type ZstdBackend,
  ZSTD_BACKEND_ENV,
  type ZstdCompressorBackend,
  zstdBackend,
  zstdCompressorBackend,
} from './compression/zstd-backend.js';

export type Compression = 'none' | 'gzip' | 'zstd';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
/** Skippable zstd frames (0x184D2A50–5F) may precede the first data frame. */
const isZstdSkippable = (b: Uint8Array) => b.length >= 4 && (b[0]! & 0xf0) === 0x50 && b[1] === 0x2a && b[2] === 0x4d && b[3] === 0x18;

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
/** "BZh" and a block size digit, then the magic of a first block (π) or of the end of an empty stream (√π). */
const isBzip2 = (b: Uint8Array) =>
  b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68 && b[3]! >= 0x31 && b[3]! <= 0x39 &&
  ['314159265359', '177245385090'].includes(Buffer.from(b.subarray(4, 10)).toString('hex'));

/** How many leading bytes `sniffCompression` and `refuseUnsupportedCompression` need. */
export const SNIFF_BYTES = 10;

/** Detects compression from the first bytes of a stream; never trust a file name or media type for it. */
export function sniffCompression(head: Uint8Array): Compression {
  if (GZIP_MAGIC.every((b, i) => head[i] === b)) return 'gzip';
  if (ZSTD_MAGIC.every((b, i) => head[i] === b) || isZstdSkippable(head)) return 'zstd';
  return 'none';
}

/**
 * Fails with ERR_UNSUPPORTED when `head` starts an xz or bzip2 stream: no OCI media type allows them, but old and
 * hand-made images use them, and read as tar they would only look truncated or corrupt.
 */
export function refuseUnsupportedCompression(head: Uint8Array, where: string): void {
  const kind = XZ_MAGIC.every((b, i) => head[i] === b) ? 'xz' : isBzip2(head) ? 'bzip2' : undefined;
  if (kind === undefined) return;
  throw new FerryError('ERR_UNSUPPORTED', `${where} is ${kind}-compressed, which ferry does not decode`, {
    path: where,
    hint: `ferry reads uncompressed, gzip and zstd content; recompress it (${kind} -dc | gzip) or rebuild the image`,
  });
}

/** gunzip is twice as fast with large output chunks (measured: 540 vs 220 MB/s). */
const CHUNK_SIZE = 256 * 1024;
/** zlib's default trade-off; higher levels buy little on layers at a large cost in time. */
const GZIP_LEVEL = 6;
/** zstd's default level: gzip's ratio at several times its speed. */
const ZSTD_LEVEL = 3;

function passThrough(): Transform {
  return new Transform({ transform: (chunk, _e, done) => done(null, chunk) });
}

/**
 * A decompressing stream for `kind`; `none` passes bytes through. zstd uses `zstdBackend()`: every backend
 * reads multi-frame input, skippable frames and frames without a recorded content size, with backpressure.
 */
export function createDecompressor(kind: Compression, where = 'stream'): Duplex {
  switch (kind) {
    case 'none':
      return passThrough();
    case 'gzip':
      return wrapErrors(zlib.createGunzip({ chunkSize: CHUNK_SIZE }), where, 'gzip');
    case 'zstd':
      return createZstdDecompressor(where);
  }
}

function createZstdDecompressor(where: string): Duplex {
  switch (zstdBackend()) {
    case 'node:zlib':
      return wrapErrors(nodeZstd()!.decompress({ chunkSize: CHUNK_SIZE }), where, 'zstd');
    case 'zstd-cli':
      return createZstdProgramDecompressStream(where);
    case 'fzstd':
      return createPureJsZstdStream(where);
  }
}

/**
 * A compressing stream for `kind` (`none` passes bytes through). Throws ERR_UNSUPPORTED at once when no zstd
 * compressor is available, so callers fail before writing anything. `where` names the output in errors.
 * In-process compressors fail only on bugs or exhausted memory, so their errors are not translated; the zstd
 * program's failures are FerryErrors naming `where`.
 */
export function createCompressor(kind: Compression, where = 'stream'): Duplex {
  switch (kind) {
    case 'none':
      return passThrough();
    case 'gzip':
      return zlib.createGzip({ level: GZIP_LEVEL, chunkSize: CHUNK_SIZE });
    case 'zstd':
      return createZstdCompressor(where);
  }
}

function createZstdCompressor(where: string): Duplex {
  switch (zstdCompressorBackend()) {
    case 'node:zlib': {
      const { ZSTD_c_compressionLevel, ZSTD_c_checksumFlag } = zlib.constants as unknown as Record<string, number>;
      return nodeZstd()!.compress({ chunkSize: CHUNK_SIZE, params: { [ZSTD_c_compressionLevel!]: ZSTD_LEVEL, [ZSTD_c_checksumFlag!]: 1 } });
    }
    case 'zstd-cli':
      return createZstdProgramCompressStream(where, ZSTD_LEVEL);
    case undefined:
      throw noZstdCompressor(where);
  }
}

/** Why no zstd compressor is here: fzstd was forced, or this Node has no zlib zstd and PATH no zstd program. */
function noZstdCompressor(where: string): FerryError {
  if (process.env[ZSTD_BACKEND_ENV] === 'js') {
    return new FerryError('ERR_UNSUPPORTED', `zstd compression is not available with ${ZSTD_BACKEND_ENV}=js (fzstd only decodes)`, {
      path: where,
      hint: `use gzip, or unset ${ZSTD_BACKEND_ENV} to compress with Node's zlib or the zstd program`,
    });
  }
  return new FerryError('ERR_UNSUPPORTED', `zstd compression is not available (Node ${process.versions.node} has no zlib zstd and the zstd program is not on PATH)`, {
    path: where,
    hint: `use gzip, run ferry on Node 22.15 or later, or ${ZSTD_PROGRAM_HINT}`,
  });
}
