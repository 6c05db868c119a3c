/**
 * Decompression bombs built in code, cheaply: a zstd frame written by hand whose blocks are RLE blocks of zeros
 * (4 bytes for 128 KiB), so 4 GiB of zeros cost 128 KiB and no time to build.
 */
import { createHash } from 'node:crypto';

const RLE_BLOCK = 128 * 1024;

function blockHeader(last: boolean, type: number, size: number): Buffer {
  const v = (last ? 1 : 0) | (type << 1) | (size << 3);
  return Buffer.from([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff]);
}

/** A zstd frame of `head` (stored raw) followed by `zeros` zero bytes (a multiple of 128 KiB, plus up to 128 KiB). */
export function zstdZeros(head: Buffer, zeros: number): Buffer {
  return zstdFrame([head, zeros]);
}

/**
 * A zstd frame of `parts` in order: a Buffer is stored raw, a number is that many zero bytes (RLE blocks; a run
 * that is not a multiple of 128 KiB ends in a shorter block).
 */
export function zstdFrame(parts: (Buffer | number)[]): Buffer {
  // Magic, frame header descriptor (no content size, no checksum), window descriptor 2^(10+7) = 128 KiB.
  const out: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38])];
  const blocks: { type: number; size: number; body: Buffer }[] = [];
  for (const part of parts) {
    if (typeof part === 'number') {
      for (let left = part; left > 0; left -= RLE_BLOCK) blocks.push({ type: 1, size: Math.min(left, RLE_BLOCK), body: Buffer.from([0]) });
      continue;
    }
    for (let at = 0; at < part.length; at += RLE_BLOCK) {
      const raw = part.subarray(at, at + RLE_BLOCK);
      blocks.push({ type: 0, size: raw.length, body: raw });
    }
  }
  blocks.forEach((b, i) => out.push(blockHeader(i === blocks.length - 1, b.type, b.size), b.body));
  return Buffer.concat(out);
}

/** A ustar header block for a regular file `name` of `size` bytes (sizes up to 8 GiB - 1 fit the octal field). */
export function tarFileHeader(name: string, size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  block.write('00000000000\0', 136);
  block.write('0', 156);
  block.write('ustar\u000000', 257);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

/** The sha256 of `head` followed by `zeros` zero bytes, computed in 1 MiB steps. */
export function digestOfZeros(head: Buffer, zeros: number): string {
  const hash = createHash('sha256').update(head);
  const chunk = Buffer.alloc(1024 * 1024);
  for (let left = zeros; left > 0; left -= chunk.length) hash.update(left >= chunk.length ? chunk : chunk.subarray(0, left));
  return `sha256:${hash.digest('hex')}`;
}
