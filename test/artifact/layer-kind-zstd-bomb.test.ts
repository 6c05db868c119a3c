import { describe, expect, it, vi } from 'vitest';
import { layerKind } from '../../src/artifact/layer-kind.js';
import { tarBytes } from '../helpers/tar.js';
import { MemoryContent } from '../helpers/memory-content.js';

/** Bytes fzstd's streaming decompressor hands out, over the whole test. */
const emitted = vi.hoisted(() => ({ bytes: 0 }));

vi.mock('fzstd', async (importOriginal) => {
  const real = await importOriginal<typeof import('fzstd')>();
  class CountingDecompress extends real.Decompress {
    constructor(ondata?: ConstructorParameters<typeof real.Decompress>[0]) {
      super((data, final) => {
        emitted.bytes += data.length;
        ondata?.(data, final);
      });
    }
  }
  return { ...real, Decompress: CountingDecompress };
});

/** A zstd frame by hand: the tar's first block raw, then `rleBlocks` blocks of 128 KiB zeros, 4 bytes each. */
function zstdBomb(tarHead: Buffer, rleBlocks: number): Buffer {
  const blockHeader = (last: boolean, type: number, size: number) => {
    const v = (last ? 1 : 0) | (type << 1) | (size << 3);
    return Buffer.from([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff]);
  };
  // Magic, frame header descriptor (no content size, no checksum), window descriptor 2^(10+7) = 128 KiB.
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38]), blockHeader(false, 0, tarHead.length), tarHead];
  for (let i = 0; i < rleBlocks; i++) parts.push(blockHeader(i === rleBlocks - 1, 1, 128 * 1024), Buffer.from([0]));
  return Buffer.concat(parts);
}

describe('layerKind on a zstd blob that inflates enormously', () => {
  it('decompresses only as far as the first tar header, not the whole 64 KiB head', async () => {
    const head = (await tarBytes([{ name: 'f', data: 'x' }])).subarray(0, 512);
    // 4096 RLE blocks: 16 KiB of zstd that would inflate to 512 MiB.
    const content = new MemoryContent();
    const layer = content.put('application/x-custom', zstdBomb(head, 4096));
    emitted.bytes = 0;
    expect((await layerKind(content, layer, false)).kind).toBe('tar');
    expect(emitted.bytes).toBeLessThan(1024 * 1024);
  });
});
