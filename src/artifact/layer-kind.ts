import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { Decompress } from 'fzstd';
import type { Descriptor } from '../oci/descriptor.js';
import { sniffCompression, type Compression } from '../oci/compression.js';
import type { ContentSource } from '../oci/transport.js';

/** What an artifact layer becomes on disk. */
export type LayerKind = { kind: 'tar'; compression: Compression } | { kind: 'file' };

/** Enough compressed bytes to reach the first tar header (512 bytes) of any sane gzip or zstd stream. */
const SNIFF_LIMIT = 64 * 1024;
const TAR_BLOCK = 512;
/** POSIX "ustar\0" and GNU "ustar  " both start with these bytes at offset 257 of a tar header. */
const USTAR_MAGIC = Buffer.from('ustar');
const USTAR_OFFSET = 257;

/** Media types that say "tar": OCI `…tar`, `…tar+gzip`, `…tar+zstd`, and Docker's `…tar.gzip`/`…tar.zstd`. */
export function declaresTar(mediaType: string): boolean {
  return /\.tar(\+gzip|\+zstd|\.gzip|\.zstd)?$/.test(mediaType);
}

/**
 * Decides from the content, not only the media type, whether a layer is a tar to extract. oras pushes plain files
 * as `application/vnd.oci.image.layer.v1.tar` with a title, so a titled layer is extracted only when its media
 * type says tar AND its bytes are one; an untitled layer is extracted whenever its bytes are a tar (the media type
 * may be anything, e.g. `application/vnd.cnai.model.layer.v1.tar` or a custom one), and is otherwise a file.
 */
export async function layerKind(source: ContentSource, layer: Descriptor, titled: boolean): Promise<LayerKind> {
  if (titled && !declaresTar(layer.mediaType)) return { kind: 'file' };
  const raw = await readHead(source, layer);
  const compression = sniffCompression(raw);
  return isTarHeader(decompressHead(raw, compression)) ? { kind: 'tar', compression } : { kind: 'file' };
}

/** The first bytes of a blob; the blob is verified in full when it is extracted, not here. */
async function readHead(source: ContentSource, layer: Descriptor): Promise<Buffer> {
  const stream = await source.fetch(layer);
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= SNIFF_LIMIT) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, SNIFF_LIMIT);
}

/** As much of the decompressed start as the head yields; a truncated or corrupt head yields what it can. */
function decompressHead(head: Buffer, compression: Compression): Buffer {
  try {
    if (compression === 'gzip') return gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    if (compression === 'zstd') {
      // zstd's RLE blocks turn 4 bytes into 128 KiB, so the whole head could inflate to gigabytes: stop at the
      // first block that completes a tar header.
      const out: Uint8Array[] = [];
      let length = 0;
      try {
        new Decompress((chunk) => {
          out.push(chunk);
          length += chunk.length;
          if (length >= TAR_BLOCK) throw ENOUGH;
        }).push(head);
      } catch (err) {
        if (err !== ENOUGH) throw err;
      }
      return Buffer.concat(out);
    }
  } catch {
    return Buffer.alloc(0);
  }
  return head;
}

/** Thrown from the zstd output callback to end decompression once the head has enough bytes. */
const ENOUGH = Symbol('enough');

function isTarHeader(block: Buffer): boolean {
  return block.length >= TAR_BLOCK && block.subarray(USTAR_OFFSET, USTAR_OFFSET + USTAR_MAGIC.length).equals(USTAR_MAGIC);
}
