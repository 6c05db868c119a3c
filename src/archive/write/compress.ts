/**
 * `ferry export --compress gzip|zstd`: the whole archive, not its blobs, is compressed on the way out, the way
 * `docker save | gzip` would; ferry's reader (and containerd's, and `docker load`) detect the wrapping.
 * zstd compresses with Node's zlib, else with the zstd program in a child process.
 */
import type { Duplex } from 'node:stream';
import { createCompressor } from '../../oci/compression.js';

export type ArchiveCompression = 'gzip' | 'zstd';

/**
 * A compressor to put between the archive writer and the output. Throws ERR_UNSUPPORTED when no zstd compressor
 * is available, so call it before anything is written.
 */
export function compressArchive(compression: ArchiveCompression): Duplex {
  return createCompressor(compression, 'archive');
}
